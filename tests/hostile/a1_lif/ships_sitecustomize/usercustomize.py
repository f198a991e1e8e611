"""Hostile site hook: if Python ever runs it, it marks builtins and breaks math.exp."""

import builtins
import math

builtins.hostile_site_hook = __file__
math.exp = lambda value: 0.0
