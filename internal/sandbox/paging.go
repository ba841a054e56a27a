package sandbox

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// page returns one page of items and the token for the next. Tokens are
// opaque to clients: base64 of "<kind>:<offset>", so a token from one list
// is refused by another, as AWS does.
func page[T any](items []T, kind string, maxResults *int32, nextToken *string, defaultMax, limit int) ([]T, *string, error) {
	n := defaultMax
	if maxResults != nil {
		if *maxResults < 1 || int(*maxResults) > limit {
			return nil, nil, errConstraint("maxResults", strconv.Itoa(int(*maxResults)), fmt.Sprintf("Member must have value less than or equal to %d and greater than or equal to 1", limit))
		}
		n = int(*maxResults)
	}
	start := 0
	if nextToken != nil && *nextToken != "" {
		off, err := decodeToken(*nextToken, kind)
		if err != nil || off > len(items) {
			return nil, nil, errValidation("The NextToken is invalid or expired: %s", truncate(*nextToken, 64))
		}
		start = off
	}
	end := start + n
	if end >= len(items) {
		return items[start:], nil, nil
	}
	tok := encodeToken(kind, end)
	return items[start:end], &tok, nil
}

func encodeToken(kind string, off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(off)))
}

func decodeToken(tok, kind string) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	// Kinds may contain colons ("ous:<parent>"); the offset never does.
	i := strings.LastIndexByte(string(b), ':')
	if i < 0 || string(b[:i]) != kind {
		return 0, fmt.Errorf("token for another list")
	}
	n, err := strconv.Atoi(string(b[i+1:]))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad offset")
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
