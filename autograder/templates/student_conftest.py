"""Run the public tests on your files in assignments/, with your code in a separate process."""

pytest_plugins = ["autograder.student_plugin"]
