from setuptools import setup, Extension
setup(name='tinyext', version='0.1', ext_modules=[Extension('tinyext', ['tinyext.c', 'add.c', 'mul.c'])])
