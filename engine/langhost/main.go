// pulumi-language-python: a minimal Python language host for the Pulumi engine.
//
// Upstream's language host is a Go module of its own that the module proxies reachable from
// this project's machines do not serve, while the SDK module (gRPC contracts, serving helpers)
// is served at every version the project pins. This host implements only what `pulumi
// preview/up/refresh/destroy` of a project-directory program needs: Run and GetPluginInfo,
// and GenerateProgram (codegen.go) for the code `pulumi import` prints. Every other call
// answers Unimplemented, which the engine treats as "not supported" and skips (plugin
// discovery, handshake, cancel). Automation API inline programs never reach it.
//
// It exits, taking its running program with it, when the engine that started it is gone: a
// CLI killed with SIGKILL (a cancelled CI job) cannot stop its plugins itself.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The exec shim exits with this code after it has already shown the user an error.
const userActionableExitCode = 32

// How often the engine is asked whether it is still there. Upstream's host asks every five
// minutes; a killed engine's host would then outlive it by minutes. One loopback call a second
// costs nothing next to a program run.
const engineCheckInterval = time.Second

func main() {
	// The engine appends flags (-tracing, -v, ...) before its own address, which comes last.
	engineAddress := ""
	for _, arg := range os.Args[1:] {
		if !strings.HasPrefix(arg, "-") {
			engineAddress = arg
		}
	}
	self, err := os.Executable()
	if err != nil {
		fail(err)
	}
	engineGone, lostEngine := context.WithCancel(context.Background())
	host := &languageHost{
		engineAddress: engineAddress,
		execScript:    filepath.Join(filepath.Dir(self), "pulumi-language-python-exec"),
		engineGone:    engineGone,
	}
	// The engine stops its plugins with SIGINT and waits out a grace period for them to exit.
	// A host started with SIGINT ignored (a background job of a non-interactive shell) would
	// never hear it, costing every program run that grace period.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		os.Exit(0)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host: %w", err))
	}
	if engineAddress != "" {
		// Upstream's own watch: any failed health check of the engine's gRPC server cancels.
		if err := rpcutil.Healthcheck(engineGone, engineAddress, engineCheckInterval, lostEngine); err != nil {
			fail(fmt.Errorf("could not watch the engine at %s: %w", engineAddress, err))
		}
	}
	// The engine reads the port from our first line of output.
	fmt.Printf("%d\n", handle.Port)
	select {
	case err := <-handle.Done:
		if err != nil {
			fail(err)
		}
	case <-engineGone.Done():
		// Run's context follows engineGone, so each running program is killed and reaped.
		host.programs.Wait()
		fail(fmt.Errorf("the engine at %s is gone", engineAddress))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "pulumi-language-python:", err)
	os.Exit(1)
}

type languageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engineAddress string
	execScript    string
	engineGone    context.Context
	programs      sync.WaitGroup
}

func (h *languageHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *languageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	h.programs.Add(1)
	defer h.programs.Done()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(h.engineGone, stop)()
	info := req.GetInfo()
	program := req.GetProgram()
	if info != nil && info.GetEntryPoint() != "" {
		program = info.GetEntryPoint()
	}
	if program == "" {
		program = "."
	}
	args := []string{"-u", h.execScript,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engineAddress,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", fmt.Sprint(req.GetDryRun()),
		"--parallel", fmt.Sprint(req.GetParallel()),
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if info != nil && info.GetRootDirectory() != "" {
		args = append(args, "--root_directory", info.GetRootDirectory())
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	// The SDK reads both as JSON and chokes on null: send {} and [] when there are none.
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, pythonFor(info), args...)
	cmd.Dir = req.GetPwd()
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	cmd.Env = append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)
	err = cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == userActionableExitCode:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
	default:
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run the Python program: %v", err)}, nil
	}
}

// pythonFor picks the interpreter the way Pulumi.yaml asks: runtime.options.virtualenv
// (relative to the project root), else $PULUMI_PYTHON_CMD, else python3 on PATH.
func pythonFor(info *pulumirpc.ProgramInfo) string {
	if info != nil && info.GetOptions() != nil {
		if venv, ok := info.GetOptions().AsMap()["virtualenv"].(string); ok && venv != "" {
			if !filepath.IsAbs(venv) {
				venv = filepath.Join(info.GetRootDirectory(), venv)
			}
			return filepath.Join(venv, "bin", "python")
		}
	}
	if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
		return cmd
	}
	return "python3"
}
