#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "ops.h"
static PyObject *py_add(PyObject *self, PyObject *args) { int a, b; if (!PyArg_ParseTuple(args, "ii", &a, &b)) return NULL; return PyLong_FromLong(add(a, b)); }
static PyObject *py_mul(PyObject *self, PyObject *args) { int a, b; if (!PyArg_ParseTuple(args, "ii", &a, &b)) return NULL; return PyLong_FromLong(mul(a, b)); }
static PyMethodDef methods[] = {{"add", py_add, METH_VARARGS, ""}, {"mul", py_mul, METH_VARARGS, ""}, {NULL, NULL, 0, NULL}};
static struct PyModuleDef mod = {PyModuleDef_HEAD_INIT, "tinyext", NULL, -1, methods};
PyMODINIT_FUNC PyInit_tinyext(void) { return PyModule_Create(&mod); }
