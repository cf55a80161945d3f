"""Each capability adds its part to the demo here (see implhub.app.demo)."""
