package schema

import (
	"strconv"
	"time"
)

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

// refTo is a reference to a record of the incident-scoped collection
// target: it must be of the same incident (Field.Ref).
func refTo(target, name, doc string) Field {
	f := ref(name, doc)
	f.Ref = target
	return f
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

// happened is an RFC 3339 time of something that has happened (a visit, an
// event): it cannot be in the future, allowing device clocks up to
// ClockSkew ahead of the server's.
func happened(name, doc string) Field {
	f := instant(name, doc)
	s := *eventTimeSpec
	s.NotFuture, s.SkewSeconds = true, int(ClockSkew/time.Second)
	f.Spec = &s
	return f
}

// ClockSkew is how far ahead of the server's clock a device's clock may be
// when it records something that has happened. Tablets with clocks hours
// out (a wrong time zone, no network time) are met in the field and their
// visits must still be accepted; what the rule is for is the typing slip of
// a day, a month or a year ahead (a visit dated 1 March 2027).
const ClockSkew = 12 * time.Hour

// NewActionMaxDaysPast is how long ago a new action may be due: an action
// recorded now and due in 2020 is a typing slip.
const NewActionMaxDaysPast = 30

// withKeyCheck gives the key of an object list's items a further check.
func withKeyCheck(f Field, key string, check *Spec) Field {
	s := *f.Spec
	s.Shape = append([]ShapeField(nil), s.Shape...)
	for i := range s.Shape {
		if s.Shape[i].Name == key {
			s.Shape[i].Check = check
		}
	}
	f.Spec = &s
	return f
}

// said names a field in the words of the error messages.
func said(f Field, words string) Field { f.Say = words; return f }

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
