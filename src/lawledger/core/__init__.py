"""The domain core: plain Python with no Django import.

Everything here takes and returns plain values and dataclasses so that the rules of trust
accounting can be tested by the thousand with hypothesis in milliseconds.
"""
