raise ImportError("the submission's shadow module numpy.py was imported")
