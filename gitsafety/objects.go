package gitsafety

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// hasObject reports whether the object database (loose or packed) holds h.
func (r *Repo) hasObject(h plumbing.Hash) (bool, error) {
	err := r.st.HasEncodedObject(h)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return false, nil
	}
	return false, fmt.Errorf("look up object %s: %w", h, err)
}

// storeBytes stores a small object (tree, commit) and returns its hash.
func (r *Repo) storeBytes(typ plumbing.ObjectType, content []byte) (plumbing.Hash, error) {
	h := plumbing.ComputeHash(typ, content)
	if err := r.storeIfMissing(h, typ, int64(len(content)), bytes.NewReader(content)); err != nil {
		return plumbing.ZeroHash, err
	}
	return h, nil
}

// storeIfMissing writes the object h, read from src, unless the object
// database holds it already.
func (r *Repo) storeIfMissing(h plumbing.Hash, typ plumbing.ObjectType, size int64, src io.Reader) error {
	// One lstat answers for the loose objects this package writes, which
	// are what later steps most often store again.
	if _, exists, err := lstatPath(r.loosePath(h)); err != nil || exists {
		return err
	}
	has, err := r.hasObject(h)
	if err != nil || has {
		return err
	}
	got, err := r.writeLoose(typ, size, src)
	if err != nil {
		return err
	}
	if got != h {
		return fmt.Errorf("store object %s: %w", h, errChangedWhileReading)
	}
	return nil
}

// loosePath is where the loose object h lives.
func (r *Repo) loosePath(h plumbing.Hash) string {
	hex := h.String()
	return filepath.Join(r.commonDir, "objects", hex[:2], hex[2:])
}

// writeLoose streams exactly size bytes of src into a new loose object. It
// writes our own loose objects rather than go-git's, so that a short read
// can never leave an object whose header lies about its size: on any error
// the temporary file is removed. The object is complete under a temporary
// name before it is renamed into place; replacing an existing copy of the
// same object is harmless, as its content is the same.
func (r *Repo) writeLoose(typ plumbing.ObjectType, size int64, src io.Reader) (h plumbing.Hash, err error) {
	objDir := filepath.Join(r.commonDir, "objects")
	tmp, err := createTemp(objDir, "tmp_obj_", 0o444)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("create object file: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, removeIfExists(tmp.Name()))
		}
	}()

	bw := bufio.NewWriterSize(tmp, 32<<10)
	zw, ok := r.zlibWriters.Get().(*zlib.Writer)
	if ok {
		zw.Reset(bw)
	} else {
		zw = zlib.NewWriter(bw)
	}
	defer r.zlibWriters.Put(zw)
	hasher := plumbing.NewHasher(typ, size)
	header := append(typ.Bytes(), ' ')
	header = strconv.AppendInt(header, size, 10)
	header = append(header, 0)
	if _, err := zw.Write(header); err != nil {
		return plumbing.ZeroHash, errors.Join(fmt.Errorf("write object: %w", err), tmp.Close())
	}
	n, err := io.CopyN(io.MultiWriter(zw, hasher), src, size)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("read %d of %d bytes: %w", n, size, errChangedWhileReading)
		}
		return plumbing.ZeroHash, errors.Join(fmt.Errorf("write object: %w", err), tmp.Close())
	}
	if grew(src) {
		return plumbing.ZeroHash, errors.Join(fmt.Errorf("write object: %w", errChangedWhileReading), tmp.Close())
	}
	if err := zw.Close(); err != nil {
		return plumbing.ZeroHash, errors.Join(fmt.Errorf("write object: %w", err), tmp.Close())
	}
	if err := bw.Flush(); err != nil {
		return plumbing.ZeroHash, errors.Join(fmt.Errorf("write object: %w", err), tmp.Close())
	}
	if err := tmp.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write object: %w", err)
	}

	h = hasher.Sum()
	final := r.loosePath(h)
	err = os.Rename(tmp.Name(), final)
	if errors.Is(err, fs.ErrNotExist) {
		// The fan-out directory is made on first use, as git makes it.
		if err := os.Mkdir(filepath.Dir(final), 0o777); err != nil && !errors.Is(err, fs.ErrExist) {
			return plumbing.ZeroHash, fmt.Errorf("create object directory: %w", err)
		}
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write object %s: %w", h, err)
	}
	return h, nil
}

// createTemp creates a new file with a random name starting with prefix in
// dir, with the given permissions (subject to the umask), for writing.
func createTemp(dir, prefix string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		suffix, err := randomSuffix()
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(filepath.Join(dir, prefix+suffix), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("create a temporary file in %s: every name tried exists", dir)
}

// grew reports whether src still has data after the declared size.
func grew(src io.Reader) bool {
	var one [1]byte
	n, _ := src.Read(one[:])
	return n > 0
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}

// fileBlob hashes the work-tree file or symlink at abs (lst is its Lstat)
// as a blob and, when store is set, writes the blob. It returns the stat
// to record in the index, taken from the open file so that it describes
// the bytes hashed.
func (r *Repo) fileBlob(abs string, lst fileStat, store bool) (plumbing.Hash, fileStat, error) {
	if lst.kind == kindSymlink {
		target, err := os.Readlink(abs)
		if err != nil {
			return plumbing.ZeroHash, fileStat{}, fmt.Errorf("read symlink %s: %w", abs, err)
		}
		h := plumbing.ComputeHash(plumbing.BlobObject, []byte(target))
		if store {
			if err := r.storeIfMissing(h, plumbing.BlobObject, int64(len(target)), strings.NewReader(target)); err != nil {
				return plumbing.ZeroHash, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
			}
		}
		return h, lst, nil
	}

	f, st, err := openRegular(abs)
	if err != nil {
		return plumbing.ZeroHash, fileStat{}, err
	}
	defer func() { _ = f.Close() }()
	hasher := plumbing.NewHasher(plumbing.BlobObject, st.size)
	if n, err := io.CopyN(hasher, f, st.size); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("read %d of %d bytes: %w", n, st.size, errChangedWhileReading)
		}
		return plumbing.ZeroHash, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
	}
	if grew(f) {
		return plumbing.ZeroHash, fileStat{}, fmt.Errorf("stage %s: %w", abs, errChangedWhileReading)
	}
	h := hasher.Sum()
	if store {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return plumbing.ZeroHash, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
		}
		if err := r.storeIfMissing(h, plumbing.BlobObject, st.size, f); err != nil {
			return plumbing.ZeroHash, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
		}
	}
	return h, st, nil
}

// openRegular opens a work-tree file for reading through a descriptor that
// refuses a symlink swapped in since it was looked at, and returns the
// descriptor's stat, which describes the bytes that will be read.
func openRegular(abs string) (*os.File, fileStat, error) {
	// Non-blocking, so that a FIFO swapped in cannot hang the run on
	// open; the fstat below then refuses it.
	f, err := os.OpenFile(abs, os.O_RDONLY|openNoFollow|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return nil, fileStat{}, errors.Join(fmt.Errorf("stage %s: %w", abs, err), f.Close())
	}
	st := fileStatOf(fi)
	if st.kind != kindRegular {
		return nil, fileStat{}, errors.Join(fmt.Errorf("stage %s: %w", abs, errChangedWhileReading), f.Close())
	}
	return f, st, nil
}

// readBlobContent returns the blob content of the work-tree file at abs (lst
// is its Lstat): a symlink's target, or a regular file's bytes, read whole.
// The stat it returns describes the bytes read.
func readBlobContent(abs string, lst fileStat) ([]byte, fileStat, error) {
	if lst.kind == kindSymlink {
		target, err := os.Readlink(abs)
		if err != nil {
			return nil, fileStat{}, fmt.Errorf("read symlink %s: %w", abs, err)
		}
		return []byte(target), lst, nil
	}
	f, st, err := openRegular(abs)
	if err != nil {
		return nil, fileStat{}, err
	}
	defer func() { _ = f.Close() }()
	data := make([]byte, st.size)
	if n, err := io.ReadFull(f, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("read %d of %d bytes: %w", n, st.size, errChangedWhileReading)
		}
		return nil, fileStat{}, fmt.Errorf("stage %s: %w", abs, err)
	}
	if grew(f) {
		return nil, fileStat{}, fmt.Errorf("stage %s: %w", abs, errChangedWhileReading)
	}
	return data, st, nil
}
