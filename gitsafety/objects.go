package gitsafety

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

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

// storeIfMissing writes the object h, read from src, unless it exists.
func (r *Repo) storeIfMissing(h plumbing.Hash, typ plumbing.ObjectType, size int64, src io.Reader) error {
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

// writeLoose streams exactly size bytes of src into a new loose object. It
// writes our own loose objects rather than go-git's, so that a short read
// can never leave an object whose header lies about its size: on any error
// the temporary file is removed.
func (r *Repo) writeLoose(typ plumbing.ObjectType, size int64, src io.Reader) (h plumbing.Hash, err error) {
	objDir := filepath.Join(r.commonDir, "objects")
	tmp, err := os.CreateTemp(objDir, "tmp_obj_")
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("create object file: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, removeIfExists(tmp.Name()))
		}
	}()

	zw := zlib.NewWriter(tmp)
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
	if err := tmp.Close(); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write object: %w", err)
	}

	h = hasher.Sum()
	hex := h.String()
	dir := filepath.Join(objDir, hex[:2])
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("create object directory: %w", err)
	}
	final := filepath.Join(dir, hex[2:])
	if _, err := os.Lstat(final); err == nil {
		// Another writer stored the same content first.
		return h, removeIfExists(tmp.Name())
	}
	if err := os.Chmod(tmp.Name(), 0o444); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write object %s: %w", hex, err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("write object %s: %w", hex, err)
	}
	return h, nil
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

// fileBlob hashes the work-tree file at abs (lst is its Lstat) as a blob and,
// when store is set, writes the blob. It returns the stat to record in the
// index, taken from the open file so that it describes the bytes hashed.
func (r *Repo) fileBlob(abs string, lst fs.FileInfo, store bool) (plumbing.Hash, fs.FileInfo, error) {
	if lst.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(abs)
		if err != nil {
			return plumbing.ZeroHash, nil, fmt.Errorf("read symlink %s: %w", abs, err)
		}
		h := plumbing.ComputeHash(plumbing.BlobObject, []byte(target))
		if store {
			if err := r.storeIfMissing(h, plumbing.BlobObject, int64(len(target)), bytes.NewReader([]byte(target))); err != nil {
				return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
			}
		}
		return h, lst, nil
	}

	f, err := os.OpenFile(abs, os.O_RDONLY|openNoFollow, 0)
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
	}
	if !st.Mode().IsRegular() {
		return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, errChangedWhileReading)
	}
	hasher := plumbing.NewHasher(plumbing.BlobObject, st.Size())
	if n, err := io.CopyN(hasher, f, st.Size()); err != nil {
		if errors.Is(err, io.EOF) {
			err = fmt.Errorf("read %d of %d bytes: %w", n, st.Size(), errChangedWhileReading)
		}
		return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
	}
	if grew(f) {
		return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, errChangedWhileReading)
	}
	h := hasher.Sum()
	if store {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
		}
		if err := r.storeIfMissing(h, plumbing.BlobObject, st.Size(), f); err != nil {
			return plumbing.ZeroHash, nil, fmt.Errorf("stage %s: %w", abs, err)
		}
	}
	return h, st, nil
}

// readBlobContent returns the blob content of the work-tree file at abs (lst
// is its Lstat): a symlink's target, or a regular file's bytes, read whole
// through a descriptor that refuses a symlink swapped in meanwhile. The
// stat it returns is taken from that descriptor, so it describes the bytes
// read.
func readBlobContent(abs string, lst fs.FileInfo) ([]byte, fs.FileInfo, error) {
	if lst.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(abs)
		if err != nil {
			return nil, nil, fmt.Errorf("read symlink %s: %w", abs, err)
		}
		return []byte(target), lst, nil
	}
	f, err := os.OpenFile(abs, os.O_RDONLY|openNoFollow, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("stage %s: %w", abs, err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("stage %s: %w", abs, err)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("stage %s: %w", abs, errChangedWhileReading)
	}
	data := make([]byte, st.Size())
	if n, err := io.ReadFull(f, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("read %d of %d bytes: %w", n, st.Size(), errChangedWhileReading)
		}
		return nil, nil, fmt.Errorf("stage %s: %w", abs, err)
	}
	if grew(f) {
		return nil, nil, fmt.Errorf("stage %s: %w", abs, errChangedWhileReading)
	}
	return data, st, nil
}
