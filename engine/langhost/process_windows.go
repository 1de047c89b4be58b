package langhost

import (
	"os"
	"syscall"
)

// Windows has no process groups to kill as one: the child alone is killed.
func ownProcessGroup() *syscall.SysProcAttr {
	return nil
}

func killProcessGroup(process *os.Process) error {
	return process.Kill()
}
