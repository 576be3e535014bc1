import os


def env(name, default=None):
    return os.environ.get(name, default)


def required(name):
    return os.environ[name]
