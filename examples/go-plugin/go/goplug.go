// A Go plugin with a C ABI, built with -buildmode=c-shared (plugsmith builder: go).
package main

/*
#include <stdlib.h>
#include "goplug_export.h"

// Default-visibility prototypes of the //export functions: plugsmith compiles cgo with
// -fvisibility=hidden, so on macOS only what is declared here (and the Go runtime's few
// symbols, see docs/go.md) is exported.
GOPLUG_EXPORT_goplug_add int goplug_add(int a, int b);
GOPLUG_EXPORT_goplug_version char *goplug_version(void);
GOPLUG_EXPORT_goplug_scale double goplug_scale(double value, double factor);
*/
import "C"

var version = C.CString("goplug 1.0")

//export goplug_add
func goplug_add(a, b C.int) C.int { return a + b }

//export goplug_version
func goplug_version() *C.char { return version }

//export goplug_scale
func goplug_scale(value, factor C.double) C.double { return value * factor }

func main() {}
