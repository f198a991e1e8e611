raise ImportError("the submission's shadow module autograder.py was imported")
