raise ImportError("the submission's shadow module snntorch.py was imported")
