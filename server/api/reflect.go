package api

import "reflect"

// reflectField is the struct field type validator's tag-name hook receives.
type reflectField = reflect.StructField
