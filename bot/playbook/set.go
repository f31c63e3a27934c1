package playbook

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Set is a loaded, validated collection of playbooks with unique ids. It
// is never modified after it is built, so it is safe for concurrent reads.
type Set struct {
	byID map[string]*Playbook
	list []*Playbook // sorted by ID
}

// NewSet builds a Set from playbooks. Duplicate playbook ids are reported
// as [Errors] at the position of the later playbook's id; nil playbooks
// and playbooks without an id are errors too.
func NewSet(pbs ...*Playbook) (*Set, error) {
	s := &Set{byID: make(map[string]*Playbook, len(pbs)), list: make([]*Playbook, 0, len(pbs))}
	var errs Errors
	for i, pb := range pbs {
		switch {
		case pb == nil:
			errs = append(errs, &Error{Msg: fmt.Sprintf("playbook %d is nil", i+1)})
		case pb.ID == "":
			errs = append(errs, &Error{File: pb.File, Line: pb.idLine, Col: pb.idCol, Msg: "playbook has no id"})
		default:
			if first, dup := s.byID[pb.ID]; dup {
				where := "first in " + first.File
				if first.File == "" {
					where = "already in the set"
				}
				errs = append(errs, &Error{File: pb.File, Line: pb.idLine, Col: pb.idCol,
					Msg: fmt.Sprintf("duplicate playbook id %q (%s)", pb.ID, where)})
				continue
			}
			s.byID[pb.ID] = pb
			s.list = append(s.list, pb)
		}
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, errs
	}
	sort.Slice(s.list, func(i, j int) bool { return s.list[i].ID < s.list[j].ID })
	return s, nil
}

// Get returns the playbook with that id.
func (s *Set) Get(id string) (*Playbook, bool) {
	if s == nil {
		return nil, false
	}
	pb, ok := s.byID[id]
	return pb, ok
}

// List returns the playbooks sorted by ID, in a new slice.
func (s *Set) List() []*Playbook {
	if s == nil {
		return nil
	}
	return append([]*Playbook(nil), s.list...)
}

// LoadDir loads every *.yaml and *.yml file in dir (not recursive; names
// starting with "." are skipped) and validates it with opts. It collects
// all problems from all files and returns them as [Errors]; a playbook id
// used by more than one file is an error at the id of every file after the
// first (in name order). Playbook.File and error positions use
// filepath.Join(dir, name). A directory without playbooks yields an empty
// Set.
func LoadDir(dir string, opts Options) (*Set, error) {
	if dir == "" {
		dir = "."
	}
	return load(os.DirFS(dir), ".", dir, opts, func(name string) string { return filepath.Join(dir, name) })
}

// LoadFS is LoadDir over an fs.FS (for example an embed.FS); dir is a
// slash-separated path inside fsys ("." for its root). Playbook.File and
// error positions use path.Join(dir, name).
func LoadFS(fsys fs.FS, dir string, opts Options) (*Set, error) {
	return load(fsys, dir, dir, opts, func(name string) string { return path.Join(dir, name) })
}

func load(fsys fs.FS, dir, display string, opts Options, fileName func(string) string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("playbook: read directory %s: %w", display, err)
	}
	var (
		errs  Errors
		pbs   []*Playbook
		first = make(map[string]*Playbook)
	)
	for _, e := range entries { // fs.ReadDir sorts by name
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		file := fileName(name)
		data, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			errs = append(errs, &Error{File: file, Msg: fmt.Sprintf("cannot read playbook: %v", err)})
			continue
		}
		pb, err := Parse(file, data, opts)
		if err != nil {
			if es, ok := err.(Errors); ok {
				errs = append(errs, es...)
			} else {
				errs = append(errs, &Error{File: file, Msg: err.Error()})
			}
			continue
		}
		if prev, dup := first[pb.ID]; dup {
			errs = append(errs, &Error{File: file, Line: pb.idLine, Col: pb.idCol,
				Msg: fmt.Sprintf("duplicate playbook id %q (first in %s)", pb.ID, prev.File)})
			continue
		}
		first[pb.ID] = pb
		pbs = append(pbs, pb)
	}
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, errs
	}
	return NewSet(pbs...)
}
