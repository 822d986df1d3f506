"""The rules of 第五章 (第31–35条) and 第37条(四) as plain classes and functions.

Nothing here imports Flask, SQLAlchemy, dramatiq or redis: the service layer
(``services/devolution/usecases.py``) loads records, calls these functions and stores what they return.
"""
