package latproxy

import (
	"net/http"
	"strings"
)

// Kind is the class of an S3 request.
type Kind int

// Kinds of request.
const (
	Put Kind = iota
	Get
	List
	Delete
	Head
	Other
	numKinds
)

var kindNames = [numKinds]string{"PUT", "GET", "LIST", "DELETE", "HEAD", "OTHER"}

func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return "UNKNOWN"
	}
	return kindNames[k]
}

// Classify returns the kind of an S3 request addressed in path style
// (/bucket/key), as the proxy counts it.
func Classify(r *http.Request) Kind {
	q := r.URL.Query()
	switch r.Method {
	case http.MethodPut:
		return Put
	case http.MethodHead:
		return Head
	case http.MethodDelete:
		return Delete
	case http.MethodPost:
		if q.Has("delete") {
			return Delete
		}
		return Other
	case http.MethodGet:
		if q.Has("list-type") || objectKey(r.URL.Path) == "" {
			return List
		}
		return Get
	}
	return Other
}

// objectKey returns the key part of a path-style path: "" for "/" and
// "/bucket" or "/bucket/".
func objectKey(path string) string {
	path = strings.TrimPrefix(path, "/")
	_, key, _ := strings.Cut(path, "/")
	return key
}
