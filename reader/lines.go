package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"sort"

	"k8s.io/apimachinery/pkg/util/yaml"
)

// lineIndex maps byte offsets to 1-based lines.
type lineIndex struct{ starts []int }

// newLineIndex counts the lines of the document splitter (LF ends a line) or, with display, the lines an editor
// shows (LF, CRLF and a bare CR end a line), which messages give.
func newLineIndex(text []byte, display bool) *lineIndex {
	starts := []int{0}
	for i, b := range text {
		if b == '\n' || (display && b == '\r' && (i+1 == len(text) || text[i+1] != '\n')) {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{starts: starts}
}

func (l *lineIndex) line(offset int) int {
	return sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > offset })
}

// lineAtATime hands its reader one line at most per Read, so that what the reader has consumed is known exactly.
type lineAtATime struct {
	text     []byte
	consumed int
}

func (r *lineAtATime) Read(p []byte) (int, error) {
	if r.consumed >= len(r.text) {
		return 0, io.EOF
	}
	rest := r.text[r.consumed:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i+1]
	}
	n := copy(p, rest)
	r.consumed += n
	return n, nil
}

// documentLines gives the (display) lines of each document the decoder reads: the documents of the YAML splitter
// the decoder uses (yaml.NewYAMLReader), or the values of a JSON stream. Only for messages: what is read comes from
// the decoder.
func documentLines(text []byte) ([]Document, [][]byte) {
	var chunks [][]byte
	display := newLineIndex(text, true)
	lines := newLineIndex(text, false)
	// a document from splitter line first to splitter line last, in display lines
	shown := func(index, first, last int) Document {
		start := lines.starts[first-1]
		end := len(text) - 1
		if last < len(lines.starts) {
			end = lines.starts[last] - 1
		}
		if end < start {
			end = start
		}
		return Document{Index: index, StartLine: display.line(start), EndLine: display.line(end)}
	}
	docs := []Document{}
	head := text
	if len(head) > 4096 {
		head = head[:4096]
	}
	if yaml.IsJSONBuffer(head) {
		dec := json.NewDecoder(bytes.NewReader(text))
		end := 0
		for index := 1; ; index++ {
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return docs, nil
			}
			start := end
			for start < len(text) && (text[start] == ' ' || text[start] == '\t' || text[start] == '\r' || text[start] == '\n') {
				start++
			}
			end = int(dec.InputOffset())
			docs = append(docs, Document{Index: index, StartLine: display.line(start), EndLine: display.line(end - 1)})
		}
	}
	src := &lineAtATime{text: text}
	reader := yaml.NewYAMLReader(bufio.NewReader(src))
	for index := 1; ; index++ {
		chunk, err := reader.Read()
		if err != nil {
			if err != io.EOF { //nolint:errorlint
				// the separator line the splitter refuses
				line := lines.line(src.consumed - 1)
				docs = append(docs, shown(index, line, line))
			}
			return docs, chunks
		}
		last := lines.line(src.consumed - 1)
		lastStart := lines.starts[last-1]
		if bytes.HasPrefix(text[lastStart:], []byte("---")) {
			last-- // the separator that ended the document
		}
		count := bytes.Count(chunk, []byte{'\n'})
		docs = append(docs, shown(index, last-count+1, last))
		chunks = append(chunks, append([]byte(nil), chunk...))
	}
}
