"""Static import and side-effect tables, shared by lint, scan/init and the plugin."""
