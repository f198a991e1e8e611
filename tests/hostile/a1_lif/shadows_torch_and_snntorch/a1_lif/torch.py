raise ImportError("the submission's shadow module torch.py was imported")
