"""Personal data sealed with each data subject's key: the master key, the data keys, sealing."""
