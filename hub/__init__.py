"""The OpenAnalyst websocket hub: authenticated sessions that start flows and relay their progress."""
