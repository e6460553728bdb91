"""The course written out for other channels than the web site (SCORM packages for an LMS)."""
