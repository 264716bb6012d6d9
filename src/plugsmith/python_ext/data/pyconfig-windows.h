/* plugsmith: pyconfig.h for CPython extension modules cross-built for Windows with zig cc.
 *
 * Python.h includes "pyconfig.h" in quotes, so the host's (Linux) copy is found first whatever -I
 * says; plugsmith passes this file with -include, and defining the host copy's include guard
 * (Py_PYCONFIG_H) makes that copy a no-op. The sizes and switches are those CPython's own
 * PC/pyconfig.h sets for a release build (checked against python/cpython PC/pyconfig.h.in at commit
 * 018aae3dcd78: MS_WIN32, MS_WINDOWS, MS_WIN64 on _WIN64, Py_ENABLE_SHARED, HAVE_DECLSPEC_DLL,
 * LONG_BIT 32, the SIZEOF_* and ALIGNOF_* values); Py_ssize_t comes from mingw's ssize_t (__int64
 * on Win64, int on Win32, as there). Measured: the Linux header gives SIZEOF_LONG 8 and
 * SIZEOF_WCHAR_T 4, wrong on Windows, and declares Python's functions as exports, not dllimports.
 */
#ifndef PLUGSMITH_PYCONFIG_WINDOWS_H
#define PLUGSMITH_PYCONFIG_WINDOWS_H
#define Py_PYCONFIG_H 1

#define MS_WIN32 1
#define MS_WINDOWS 1
#if defined(_WIN64)
#define MS_WIN64 1
#endif
#define NT_THREADS 1
#define Py_ENABLE_SHARED 1
#define HAVE_DECLSPEC_DLL 1
#define Py_WINVER 0x0602
#define Py_NTDDI 0x06020000

#define SIZEOF_SHORT 2
#define SIZEOF_INT 4
#define SIZEOF_LONG 4
#define SIZEOF_LONG_LONG 8
#define SIZEOF_DOUBLE 8
#define SIZEOF_FLOAT 4
#define SIZEOF_WCHAR_T 2
#define SIZEOF__BOOL 1
#define SIZEOF_TIME_T 8
#define SIZEOF_OFF_T 4
#define SIZEOF_FPOS_T 8
#define SIZEOF_HKEY SIZEOF_VOID_P
#if defined(_WIN64)
#define SIZEOF_VOID_P 8
#define SIZEOF_SIZE_T 8
#define SIZEOF_UINTPTR_T 8
#else
#define SIZEOF_VOID_P 4
#define SIZEOF_SIZE_T 4
#define SIZEOF_UINTPTR_T 4
#endif
#define SIZEOF_PID_T SIZEOF_INT
#define ALIGNOF_SIZE_T SIZEOF_SIZE_T
#define ALIGNOF_LONG 4
#define ALIGNOF_MAX_ALIGN_T 8
#define LONG_BIT 32
#define HAVE_SSIZE_T 1
#define PY_FORMAT_SIZE_T "I"

#define HAVE_STDARG_PROTOTYPES 1
#define HAVE_IO_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_WCHAR_H 1
#define HAVE_ERRNO_H 1
#define HAVE_FCNTL_H 1
#define HAVE_PROCESS_H 1
#define HAVE_SIGNAL_H 1
#define HAVE_STDDEF_H 1
#define HAVE_DIRECT_H 1
#define HAVE_CLOCK 1
#define HAVE_STRFTIME 1
#define HAVE_DYNAMIC_LOADING 1
#define DONT_HAVE_SIG_ALARM 1
#define DONT_HAVE_SIG_PAUSE 1
#define WORD_BIT 32
#define Py_SOCKET_FD_CAN_BE_GE_FD_SETSIZE 1

#endif
