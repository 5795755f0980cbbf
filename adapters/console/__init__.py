"""The console chat: stdin and stdout, no tokens needed."""
