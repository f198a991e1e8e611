raise ImportError("the submission's shadow module pytest.py was imported")
