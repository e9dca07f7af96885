"""Views: the command line, the web app and reports. Thin layers over the engines."""
