package schema

import "strconv"

// Field constructors for the domain collections: each returns an optional,
// last-writer-wins field; wrap it in required or flagged to change that.

// text is a free-text string of at most max characters.
func text(name string, max int, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "max=" + strconv.Itoa(max), Doc: doc}
}

// label is a non-empty string of at most max characters (a name, a title).
func label(name string, max int, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "min=1,max=" + strconv.Itoa(max), Doc: doc}
}

// ref is a uuid naming another record.
func ref(name, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "uuid", Doc: doc}
}

// refs is an array of distinct uuids naming other records.
func refs(name string, max int, doc string) Field {
	return Field{Name: name, Kind: Array, Check: stringList("uuid", max), Spec: stringListSpec("uuid", max), Doc: doc}
}

// enum is a string that must be one of vals.
func enum(name string, vals []string, doc string) Field {
	return Field{Name: name, Kind: String, Tag: oneOf(vals), Doc: doc}
}

// enums is an array of distinct strings, each one of vals.
func enums(name string, vals []string, doc string) Field {
	return Field{Name: name, Kind: Array, Check: stringList(oneOf(vals), len(vals)), Spec: stringListSpec(oneOf(vals), len(vals)), Doc: doc}
}

// texts is an array of distinct non-empty strings of at most maxLen
// characters.
func texts(name string, maxItems, maxLen int, doc string) Field {
	return Field{Name: name, Kind: Array, Check: stringList("min=1,max="+strconv.Itoa(maxLen), maxItems), Spec: stringListSpec("min=1,max="+strconv.Itoa(maxLen), maxItems), Doc: doc}
}

// boolean is a yes/no field.
func boolean(name, doc string) Field { return Field{Name: name, Kind: Bool, Doc: doc} }

// date is a YYYY-MM-DD date of an event, deadline or expiry.
func date(name, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "date", Check: eventDate, Spec: eventDateSpec, Doc: doc + " (YYYY-MM-DD)"}
}

// historic is a YYYY-MM-DD date that may be decades ago (an admission).
func historic(name, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "date", Check: historicDate, Spec: historicDateSpec, Doc: doc + " (YYYY-MM-DD)"}
}

// instant is an RFC 3339 time of an event.
func instant(name, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "rfc3339", Check: eventTime, Spec: eventTimeSpec, Doc: doc + " (RFC 3339)"}
}

// count is a whole number, zero or more.
func count(name, doc string) Field {
	return Field{Name: name, Kind: Integer, Tag: "gte=0", Doc: doc}
}

// amount is a number, zero or more (money, hours).
func amount(name, doc string) Field {
	return Field{Name: name, Kind: Number, Tag: "gte=0", Doc: doc}
}

// postcode is a UK postcode.
func postcode(name, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "uk_postcode", Doc: doc}
}

// email is an email address.
func email(name, doc string) Field {
	return Field{Name: name, Kind: String, Tag: "email,max=320", Doc: doc}
}

// list is an array of at most max objects, each validated as T.
func list[T any](name string, max int, doc string) Field {
	return Field{Name: name, Kind: Array, Check: listOf[T](max), Spec: objectListSpec[T](max), Doc: doc}
}

// required marks f required when a record is created.
func required(f Field) Field { f.Required = true; return f }

// flagged gives f the Flag conflict policy: concurrent writes are raised for
// a person to resolve.
func flagged(f Field) Field { f.Policy = Flag; return f }
