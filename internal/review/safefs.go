package review

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// A directory under review may come from a pull request, so reading it
// must be safe: nothing is fetched over the network (remoteRefs), every
// read stays inside the directory given, or the git work tree holding it
// (an overlay's ../base; a symlink that resolves outside is refused), only
// regular files are read (never a device, a FIFO or /dev/stdin), and each
// file and the total are capped like stdin.

// budget is what one command may still read, across all its PATHs.
type budget struct{ left int64 }

func newBudget() *budget { return &budget{left: MaxInputBytes} }

// readRegular reads the regular file at path (shown as name), refusing
// anything else and more than the budget.
func (b *budget) readRegular(path, name string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); the review reads only regular files (use - for stdin)", name, fileType(info.Mode()))
	}
	if info.Size() > b.left {
		return nil, b.tooLarge(name)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file; the review reads only regular files", name)
	}
	return b.read(f, name)
}

// read reads r whole, refusing more than the budget.
func (b *budget) read(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, b.left+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", name, err)
	}
	if int64(len(data)) > b.left {
		return nil, b.tooLarge(name)
	}
	b.left -= int64(len(data))
	return data, nil
}

func (b *budget) tooLarge(name string) error {
	return fmt.Errorf("the input is larger than %d MiB (at %s); review it in parts", MaxInputBytes>>20, name)
}

func fileType(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	case m&os.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}

// confinedFS is the disk, read only inside root: kustomize's krusty and
// kpt's package reader read a directory under review through it.
type confinedFS struct {
	filesys.FileSystem
	dir    string // the directory as given, for messages
	root   string // absolute, symlinks resolved
	budget *budget
	// err is the first read refused, reported instead of what kustomize
	// or kio make of it.
	err error
}

func newConfinedFS(dir string, b *budget) (*confinedFS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, err
	}
	return &confinedFS{FileSystem: filesys.MakeFsOnDisk(), dir: dir, root: workTree(root), budget: b}, nil
}

// workTree is the git work tree holding dir (the nearest directory up
// from it with a .git), else dir itself: an overlay reaches its bases with
// ../base, and what a pull request can change is its repository.
func workTree(dir string) string {
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// resolve returns where path really is, refusing a place outside root.
func (c *confinedFS) resolve(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	if real != c.root && !strings.HasPrefix(real, c.root+string(filepath.Separator)) {
		return "", c.refuse(fmt.Errorf("%s resolves to %s, outside %s: the review reads only files inside the directory it is given (or the git work tree holding it)", c.shown(path), real, c.root))
	}
	return real, nil
}

// shown names path relative to the directory given.
func (c *confinedFS) shown(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rootAbs, err := filepath.Abs(c.dir)
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(rootAbs, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.Join(c.dir, rel)
	}
	return path
}

func (c *confinedFS) refuse(err error) error {
	if c.err == nil {
		c.err = err
	}
	return err
}

// ReadFile reads a regular file inside root.
func (c *confinedFS) ReadFile(path string) ([]byte, error) {
	real, err := c.resolve(path)
	if err != nil {
		return nil, err
	}
	data, err := c.budget.readRegular(real, c.shown(path))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, c.refuse(err)
	}
	return data, err
}

// Open reads the file whole (ReadFile) and serves it from memory.
func (c *confinedFS) Open(path string) (filesys.File, error) {
	data, err := c.ReadFile(path)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	return &memFile{Reader: bytes.NewReader(data), info: info}, nil
}

// ReadDir lists a directory inside root.
func (c *confinedFS) ReadDir(path string) ([]string, error) {
	if _, err := c.resolve(path); err != nil {
		return nil, err
	}
	return c.FileSystem.ReadDir(path)
}

// Writes are refused: a review only reads.
func (c *confinedFS) Create(path string) (filesys.File, error) {
	return nil, fmt.Errorf("the review does not write files (%s)", path)
}

func (c *confinedFS) WriteFile(path string, _ []byte) error {
	return fmt.Errorf("the review does not write files (%s)", path)
}

func (c *confinedFS) RemoveAll(path string) error {
	return fmt.Errorf("the review does not remove files (%s)", path)
}

type memFile struct {
	*bytes.Reader
	info os.FileInfo
}

func (f *memFile) Write([]byte) (int, error)  { return 0, errors.New("read only") }
func (f *memFile) Close() error               { return nil }
func (f *memFile) Stat() (os.FileInfo, error) { return f.info, nil }
