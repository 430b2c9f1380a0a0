package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// A gateway is a tier of its own in a deployment: WSO2, for one, publishes
// its figures with the gateway on its own vCPUs and the backend and load
// generator on other machines. The dedicated layout reproduces that on one
// machine: the gateway (and the bare proxy) run in a child process pinned to
// the last CPU, while this process — the REST API and the load generator —
// is pinned to the others for the suite's length. The baseline runs on the
// same CPUs as the REST API does behind the gateway, so the ratio is what
// putting the gateway in front costs when it does not take the backend's
// CPU.

// gatewayDedicatedSuite is gatewaySuite in the dedicated layout, with
// nginx in the same place as a reference when it is installed.
func (e *env) gatewayDedicatedSuite() suite {
	s := e.proxySuite("API gateway on a CPU of its own (the REST API and the load generator on the others), against the REST API directly",
		&e.dedicated.gatewayURL, &e.dedicated.bareProxyURL, func() time.Duration { return processCPU(e.dedicated.pid) })
	_, err := exec.LookPath("nginx")
	withNginx := err == nil
	if withNginx {
		s.scenarios = append(s.scenarios, scenario{name: "GET /articles/{id} through nginx (reference: pass-through, no auth)", req: func(r *rand.Rand) *http.Request {
			return get(e.dedicated.nginxURL + "/articles/" + e.randomID(r))
		}, want: http.StatusOK, proxyCPU: func() time.Duration { return processCPU(e.dedicated.nginxPID) }})
	}
	s.start = func() (func(), error) { return e.startDedicated(withNginx) }
	return s
}

// errSkip is a suite that cannot run on this machine.
type errSkip string

func (e errSkip) Error() string { return string(e) }

// dedicatedProxies are the proxies on their own CPU.
type dedicatedProxies struct {
	pid                      int // the child serving these two
	gatewayURL, bareProxyURL string
	nginxPID                 int // when nginx is installed
	nginxURL                 string
}

// processCPU is the CPU time process pid has used, user and system, from
// /proc/PID/stat (in USER_HZ ticks, 100 a second on Linux).
func processCPU(pid int) time.Duration {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count from its ")".
	_, rest, _ := bytes.Cut(stat, []byte(") "))
	fields := strings.Fields(string(rest))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * (time.Second / 100)
}

// startDedicated starts the child on the last CPU and pins this process to
// the others; stop undoes both.
func (e *env) startDedicated(withNginx bool) (stop func(), err error) {
	cpus, err := allowedCPUs()
	if err != nil {
		return nil, errSkip(err.Error())
	}
	if len(cpus) < 2 {
		return nil, errSkip("the dedicated layout needs 2 CPUs")
	}
	own, others := cpus[len(cpus)-1], cpus[:len(cpus)-1]
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	child := exec.Command(self, "gateway-serve", strconv.Itoa(own), e.restURL)
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := child.Start(); err != nil {
		return nil, err
	}
	stopChild := func() { _ = stdin.Close(); _ = child.Wait() }
	line, err := bufio.NewReader(stdout).ReadString('\n')
	gatewayURL, bareProxyURL, ok := strings.Cut(strings.TrimSpace(line), " ")
	if err != nil || !ok {
		stopChild()
		return nil, fmt.Errorf("gateway-serve did not start: %q: %v", line, err)
	}
	e.dedicated = dedicatedProxies{pid: child.Process.Pid, gatewayURL: gatewayURL, bareProxyURL: bareProxyURL}
	stopNginx := func() {}
	if withNginx {
		if stopNginx, err = e.startNginx(own); err != nil {
			stopChild()
			return nil, err
		}
	}
	if err := pinProcess(others...); err != nil {
		stopChild()
		stopNginx()
		return nil, err
	}
	procs := runtime.GOMAXPROCS(len(others))
	return func() {
		stopChild()
		stopNginx()
		_ = pinProcess(cpus...)
		runtime.GOMAXPROCS(procs)
	}, nil
}

// serveGateway is the child: the gateway and the bare proxy in front of
// restURL, pinned to cpu, their URLs on stdout, until stdin closes.
func serveGateway(cpu, restURL string) error {
	n, err := strconv.Atoi(cpu)
	if err != nil {
		return err
	}
	if err := pinProcess(n); err != nil {
		return err
	}
	runtime.GOMAXPROCS(1)
	e := &env{}
	defer e.close()
	gw, closeGateway, err := benchGateway(restURL, discardLog())
	if err != nil {
		return err
	}
	e.closers = append(e.closers, closeGateway)
	gatewayURL, err := e.serve(gw)
	if err != nil {
		return err
	}
	bareProxyURL, err := e.serve(bareProxy(restURL))
	if err != nil {
		return err
	}
	fmt.Println(gatewayURL, bareProxyURL)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// startNginx runs nginx as a reverse proxy in front of the REST API: one
// process (no master), pinned to cpu, with upstream keep-alive and its
// access log written to /dev/null, as the gateway's goes to io.Discard.
func (e *env) startNginx(cpu int) (stop func(), err error) {
	dir, err := os.MkdirTemp("", "bench-nginx-")
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  access_log /dev/null;
  client_body_temp_path %[1]s;
  proxy_temp_path %[1]s;
  upstream rest { server %[2]s; keepalive 256; }
  server {
    listen %[3]s;
    location / {
      proxy_pass http://rest;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`, dir, strings.TrimPrefix(e.restURL, "http://"), addr)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command("nginx", "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "error.log"))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = os.RemoveAll(dir) }
	if err := pinPID(cmd.Process.Pid, cpu); err != nil {
		stop()
		return nil, err
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("nginx did not listen on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.dedicated.nginxPID, e.dedicated.nginxURL = cmd.Process.Pid, "http://"+addr
	return stop, nil
}
