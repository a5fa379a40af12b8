package cqc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Limits that keep a damaged or hostile file from holding unbounded memory.
const (
	// maxLineBytes is the longest physical line kept; a longer one is
	// reported as a bad row and skipped.
	maxLineBytes = 1 << 20
	// maxRecordBytes and maxRecordLines bound a record whose quoted field
	// runs over several lines; past either, the opening quote is taken to be
	// unterminated.
	maxRecordBytes = 1 << 20
	maxRecordLines = 50
)

// physLine is one physical line of the input, without its terminator.
type physLine struct {
	n       int // 1-based line number in the file
	text    string
	tooLong bool // longer than maxLineBytes; text is empty
}

// lineReader yields the physical lines of a stream, with a push-back queue so
// the scanner can re-read lines after a malformed record.
type lineReader struct {
	br      *bufio.Reader
	n       int
	pending []physLine
	buf     []byte
	done    bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line, io.EOF after the last one, or the reader's
// error.
func (lr *lineReader) next() (physLine, error) {
	if len(lr.pending) > 0 {
		l := lr.pending[0]
		lr.pending = lr.pending[1:]
		return l, nil
	}
	if lr.done {
		return physLine{}, io.EOF
	}
	lr.buf = lr.buf[:0]
	read, tooLong := 0, false
	for {
		chunk, err := lr.br.ReadSlice('\n')
		read += len(chunk)
		if !tooLong {
			if len(lr.buf)+len(chunk) > maxLineBytes+2 { // +2: the "\r\n"
				tooLong = true
				lr.buf = lr.buf[:0]
			} else {
				lr.buf = append(lr.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			lr.done = true
			if read == 0 {
				return physLine{}, io.EOF
			}
			break
		}
		if err != nil {
			return physLine{}, err
		}
		break
	}
	lr.n++
	if tooLong {
		return physLine{n: lr.n, tooLong: true}, nil
	}
	b := lr.buf
	if len(b) > 0 && b[len(b)-1] == '\n' {
		b = b[:len(b)-1]
		if len(b) > 0 && b[len(b)-1] == '\r' {
			b = b[:len(b)-1]
		}
	}
	if len(b) > maxLineBytes {
		return physLine{n: lr.n, tooLong: true}, nil
	}
	if lr.n == 1 {
		b = trimBOM(b)
	}
	return physLine{n: lr.n, text: decodeLine(b)}, nil
}

// pushBack queues lines to be returned by next before anything else.
func (lr *lineReader) pushBack(lines []physLine) {
	if len(lines) == 0 {
		return
	}
	q := make([]physLine, 0, len(lines)+len(lr.pending))
	q = append(q, lines...)
	lr.pending = append(q, lr.pending...)
}

func trimBOM(b []byte) []byte {
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return b[3:]
	}
	return b
}

// decodeLine returns b as a string, decoding it as Windows-1252 when it is
// not valid UTF-8 (spreadsheet tools still save CSV that way; the CSV syntax
// characters are ASCII in both, so the decision can be made per line).
func decodeLine(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/2)
	for _, c := range b {
		switch {
		case c < 0x80:
			sb.WriteByte(c)
		case c < 0xA0:
			sb.WriteRune(cp1252[c-0x80])
		default:
			sb.WriteRune(rune(c)) // Latin-1 range maps to itself
		}
	}
	return sb.String()
}

// cp1252 maps Windows-1252 bytes 0x80–0x9F to Unicode; the five undefined
// bytes become U+FFFD.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}

// record is one CSV record as scanned. When err is set the record was
// malformed and fields is nil.
type record struct {
	line   int // physical line on which the record starts
	fields []string
	err    *syntaxError
}

// syntaxError describes malformed CSV: field is the 0-based index of the field
// where it was found, or -1 for the record as a whole.
type syntaxError struct {
	field int
	msg   string
}

// scanner splits lines into RFC 4180 records. It is strict about quotes (a
// quote inside an unquoted field, or text after a closing quote, is an error)
// and tolerant of blanks around a quoted field. On a malformed record it
// pushes back every line after the first, so scanning resumes on the line
// after the one where the bad record started: one broken row never swallows
// the good rows behind it.
type scanner struct {
	lr       *lineReader
	consumed []physLine
	field    []byte
}

func newScanner(r io.Reader) *scanner { return &scanner{lr: newLineReader(r)} }

type scanState int

const (
	stFieldStart  scanState = iota // at the start of a field (blanks may be pending)
	stUnquoted                     // inside an unquoted field
	stQuoted                       // inside a quoted field
	stQuote                        // just read a quote inside a quoted field
	stAfterQuoted                  // blanks after a closing quote
)

// read returns the next record, io.EOF at the end of input, or the reader's
// error. A malformed record is returned with err set, not as an error.
func (s *scanner) read() (record, error) {
	first, err := s.lr.next()
	if err != nil {
		return record{}, err
	}
	rec := record{line: first.n}
	if first.tooLong {
		rec.err = &syntaxError{field: -1, msg: fmt.Sprintf("line is longer than %d bytes", maxLineBytes)}
		return rec, nil
	}
	s.consumed = append(s.consumed[:0], first)
	fail := func(field int, format string, args ...any) (record, error) {
		s.lr.pushBack(s.consumed[1:])
		rec.err = &syntaxError{field: field, msg: fmt.Sprintf(format, args...)}
		return rec, nil
	}
	// failQuote reports a quote that neither doubles nor closes a quoted
	// field. On a later line than the record's first, the likelier story is
	// an opening quote that was never closed.
	failQuote := func(field int) (record, error) {
		if n := len(s.consumed); n > 1 {
			return fail(field, `quoted field is not closed properly: stray " on line %d`, s.consumed[n-1].n)
		}
		return fail(field, `extraneous " in quoted field`)
	}
	var fields []string
	s.field = s.field[:0]
	st, blanks, size := stFieldStart, 0, 0
	text := first.text
	for {
		size += len(text)
		for i := 0; i < len(text); i++ {
			c := text[i]
			switch st {
			case stFieldStart:
				switch c {
				case ' ', '\t':
					blanks++
				case '"':
					blanks, st = 0, stQuoted
				case ',':
					s.field = append(s.field, text[i-blanks:i]...)
					fields = append(fields, string(s.field))
					s.field, blanks = s.field[:0], 0
				default:
					s.field = append(s.field, text[i-blanks:i+1]...)
					blanks, st = 0, stUnquoted
				}
			case stUnquoted:
				switch c {
				case ',':
					fields = append(fields, string(s.field))
					s.field, st = s.field[:0], stFieldStart
				case '"':
					return fail(len(fields), `bare " in unquoted field`)
				default:
					s.field = append(s.field, c)
				}
			case stQuoted:
				if c == '"' {
					st = stQuote
				} else {
					s.field = append(s.field, c)
				}
			case stQuote:
				switch c {
				case '"':
					s.field = append(s.field, '"')
					st = stQuoted
				case ',':
					fields = append(fields, string(s.field))
					s.field, st = s.field[:0], stFieldStart
				case ' ', '\t':
					st = stAfterQuoted
				default:
					return failQuote(len(fields))
				}
			case stAfterQuoted:
				switch c {
				case ',':
					fields = append(fields, string(s.field))
					s.field, st = s.field[:0], stFieldStart
				case ' ', '\t':
				default:
					return failQuote(len(fields))
				}
			}
		}
		if st != stQuoted {
			if st == stFieldStart {
				s.field = append(s.field, text[len(text)-blanks:]...)
			}
			rec.fields = append(fields, string(s.field))
			return rec, nil
		}
		// The quoted field runs on to the next line.
		next, err := s.lr.next()
		if errors.Is(err, io.EOF) {
			return fail(len(fields), "quoted field is not closed before the end of the input")
		}
		if err != nil {
			return record{}, err
		}
		s.consumed = append(s.consumed, next)
		if next.tooLong || len(s.consumed) > maxRecordLines || size+len(next.text) > maxRecordBytes {
			return fail(len(fields), "quoted field is not closed within %d lines", maxRecordLines)
		}
		s.field = append(s.field, '\n')
		text = next.text
	}
}
