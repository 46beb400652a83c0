"""The Credence application: the Qt Widgets window and the `credence` command line."""
