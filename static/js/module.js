// Module page behaviour: progress reporting and the audio player hook in here.
