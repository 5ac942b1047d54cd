"""The command line and the web page over the library."""
