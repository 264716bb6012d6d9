/* spam: a CPython extension module that uses only the limited API of CPython 3.9
 * (plugsmith defines Py_LIMITED_API=0x03090000 from abi3: "3.9"), so one binary per platform
 * loads on CPython 3.9 and every later version. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* spam.add(a, b) -> a + b, for two ints */
static PyObject *spam_add(PyObject *self, PyObject *args) {
    long a, b;
    (void)self;
    if (!PyArg_ParseTuple(args, "ll", &a, &b)) {
        return NULL;
    }
    return PyLong_FromLong(a + b);
}

/* spam.greet(name) -> "hello, <name>" */
static PyObject *spam_greet(PyObject *self, PyObject *name) {
    (void)self;
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "greet() takes a str");
        return NULL;
    }
    return PyUnicode_FromFormat("hello, %U", name);
}

static PyMethodDef spam_methods[] = {
    {"add", spam_add, METH_VARARGS, "add(a, b) -> a + b"},
    {"greet", spam_greet, METH_O, "greet(name) -> 'hello, <name>'"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef spam_module = {
    PyModuleDef_HEAD_INIT, "spam", "A stable-ABI extension module built by plugsmith.", -1, spam_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_spam(void) {
    PyObject *module = PyModule_Create(&spam_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddStringConstant(module, "__abi__", "abi3 (Py_LIMITED_API 3.9)") < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
