package graphcache

import "golang.org/x/sys/unix"

// localFS reports whether the file fd is on a local file system (the
// mount's MNT_LOCAL flag): not NFS, SMB or AFP (mapFile).
func localFS(fd int) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return false, err
	}
	return st.Flags&unix.MNT_LOCAL != 0, nil
}
