"""Cases: letters from representatives and their whole life, driven by one state machine."""
