"""Code that both the client (``desktop_app``) and the server (``sequencer_server``) need.

The server never imports the client, so what they share lives here; this package imports
neither of them.
"""
