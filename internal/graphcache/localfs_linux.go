package graphcache

import "golang.org/x/sys/unix"

// localFileSystems are the Linux file systems (statfs(2)'s f_type) whose
// files a mapping keeps while another process replaces or removes them:
// disk and memory file systems of this machine. Any other (NFS, SMB,
// FUSE, one not known here) is read into memory instead (mapFile).
var localFileSystems = map[int64]string{
	unix.EXT4_SUPER_MAGIC:      "ext2/3/4",
	unix.XFS_SUPER_MAGIC:       "xfs",
	unix.BTRFS_SUPER_MAGIC:     "btrfs",
	unix.F2FS_SUPER_MAGIC:      "f2fs",
	unix.BCACHEFS_SUPER_MAGIC:  "bcachefs",
	unix.REISERFS_SUPER_MAGIC:  "reiserfs",
	unix.NILFS_SUPER_MAGIC:     "nilfs",
	0x2fc12fc1:                 "zfs", // not in x/sys/unix
	0x3153464a:                 "jfs", // not in x/sys/unix
	unix.TMPFS_MAGIC:           "tmpfs",
	unix.OVERLAYFS_SUPER_MAGIC: "overlayfs",
}

// localFS reports whether the file fd is on a file system of
// localFileSystems.
func localFS(fd int) (bool, error) {
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return false, err
	}
	_, ok := localFileSystems[int64(st.Type)] //nolint:unconvert // int32 on some architectures
	return ok, nil
}
