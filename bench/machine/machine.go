package machine

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Info describes the machine. Fields that cannot be read are empty.
type Info struct {
	CPU       string // model name, from /proc/cpuinfo
	Cores     int    // logical CPUs the process may use
	MemTotal  int64  // bytes, from /proc/meminfo
	Kernel    string // from /proc/sys/kernel/osrelease
	GoVersion string
	OSArch    string
	FSType    string // file system of the benchmark's directory, from /proc/mounts
	Date      time.Time
}

// Describe reads the machine's description; dir is the data directory.
func Describe(dir string) Info {
	in := Info{
		Cores:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		OSArch:    runtime.GOOS + "/" + runtime.GOARCH,
		Date:      time.Now().UTC(),
	}
	in.CPU = firstField("/proc/cpuinfo", "model name")
	if kb := firstField("/proc/meminfo", "MemTotal"); kb != "" {
		n, err := strconv.ParseInt(strings.TrimSuffix(kb, " kB"), 10, 64)
		if err == nil {
			in.MemTotal = n << 10
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		in.Kernel = strings.TrimSpace(string(b))
	}
	in.FSType = mountOf(dir)
	return in
}

// firstField returns the value of the first "name: value" line of a file.
func firstField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// mountOf finds the mount holding dir: the longest mount point that is a
// prefix of its absolute, symlink-free path.
func mountOf(dir string) (fstype string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	b, err := os.ReadFile("/proc/mounts")
	if err != nil {
		return ""
	}
	best := -1
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		mp := unescape(f[1])
		if !within(abs, mp) || len(mp) <= best {
			continue
		}
		best, fstype = len(mp), f[2]
	}
	return fstype
}

func within(path, mount string) bool {
	if mount == "/" {
		return true
	}
	return path == mount || strings.HasPrefix(path, mount+"/")
}

// unescape undoes the octal escapes of /proc/mounts (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
