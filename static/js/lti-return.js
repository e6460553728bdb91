// The deep-linking response goes back to the learning platform at once; without
// JavaScript the teacher presses the button.
document.querySelectorAll("form[data-auto-submit]").forEach((form) => form.submit());
