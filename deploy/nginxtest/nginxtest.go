// Package nginxtest runs Debian's nginx with the repository's documented
// configuration (deploy/nginx: nginx.conf, continuity.conf, upstream.conf)
// in front of a test server, on loopback ports, with a self-signed
// certificate made for the test. It is used only by tests.
//
// The documented files are used as written; only what must differ on a test
// machine is replaced (ports, paths, the upstream address, the certificate),
// and every replacement must find its text, so a change to the documented
// files that the test no longer covers fails the test.
//
// Skip rule: when no nginx is found (NGINX, /usr/sbin/nginx, PATH) or it
// cannot run here, the test is skipped with the reason, unless CI is set,
// when it fails (.ci/run installs Debian's nginx).
package nginxtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options tune Start.
type Options struct {
	// Upstream is the server's host:port (the test's API server or its front).
	Upstream string
	// BodyLimit, when set, replaces the documented client_max_body_size
	// (e.g. "1m", nginx's default, to test the SDKs against a proxy with a
	// smaller limit than the server's).
	BodyLimit string
	// HTTP1 serves TLS without HTTP/2 (a proxy or a browser without it).
	HTTP1 bool
}

// Proxy is a running nginx.
type Proxy struct {
	// URL is the HTTPS address, e.g. https://127.0.0.1:40123.
	URL string
	// PlainURL is the plain HTTP address, which only redirects.
	PlainURL string
	// Client trusts the proxy's certificate and speaks HTTP/2 when offered;
	// it does not follow redirects.
	Client *http.Client
	// Dir holds the rendered configuration, logs and certificate.
	Dir string
}

// RepoRoot is the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// find returns nginx's path, or "".
func find() string {
	if p := os.Getenv("NGINX"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/sbin/nginx", "nginx"} {
		if q, err := exec.LookPath(p); err == nil {
			return q
		}
	}
	return ""
}

// skip skips the test with why, or fails it under CI.
func skip(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("nginxtest: %s (CI is set, so this fails: .ci/run installs Debian's nginx)", why)
	}
	t.Skipf("nginxtest: %s; install Debian's nginx (apt-get install nginx) or set NGINX to run this test", why)
}

// Start renders the documented configuration for this machine, starts
// nginx (stopped when the test ends) and waits until it accepts TLS.
func Start(t testing.TB, o Options) *Proxy {
	t.Helper()
	bin := find()
	if bin == "" {
		skip(t, "no nginx found")
	}
	dir := t.TempDir()
	for _, d := range []string{"conf.d", "tmp", "logs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	certFile, keyFile, pool := selfSigned(t, dir)
	httpsPort, plainPort := freePort(t), freePort(t)

	src := filepath.Join(RepoRoot(), "deploy", "nginx")
	user := "" // not root: nginx ignores user and runs as the caller
	if os.Geteuid() == 0 {
		user = "user root;" // the test's temporary folders are root's alone
	}
	render(t, filepath.Join(src, "nginx.conf"), filepath.Join(dir, "nginx.conf"), []string{
		"user www-data;", user,
		"worker_processes auto;", "worker_processes 1;",
		"pid /run/nginx.pid;", "pid " + filepath.Join(dir, "nginx.pid") + ";",
		"include /etc/nginx/conf.d/*.conf;", fmt.Sprintf("include %s/conf.d/*.conf;\n    client_body_temp_path %[2]s/body;\n    proxy_temp_path %[2]s/proxy;\n    fastcgi_temp_path %[2]s/fastcgi;\n    uwsgi_temp_path %[2]s/uwsgi;\n    scgi_temp_path %[2]s/scgi;", dir, filepath.Join(dir, "tmp")),
		"/var/log/nginx/", filepath.Join(dir, "logs") + "/",
	})
	listen := fmt.Sprintf("listen 127.0.0.1:%d ssl http2;", httpsPort)
	if o.HTTP1 {
		listen = fmt.Sprintf("listen 127.0.0.1:%d ssl;", httpsPort)
	}
	site := []string{
		"listen 80;", fmt.Sprintf("listen 127.0.0.1:%d;", plainPort),
		"listen [::]:80;", "",
		"listen 443 ssl http2;", listen,
		"listen [::]:443 ssl http2;", "",
		"/etc/ssl/continuity/fullchain.pem", certFile,
		"/etc/ssl/continuity/privkey.pem", keyFile,
	}
	if o.BodyLimit != "" {
		site = append(site, "client_max_body_size 5m;", "client_max_body_size "+o.BodyLimit+";")
	}
	render(t, filepath.Join(src, "continuity.conf"), filepath.Join(dir, "conf.d", "continuity.conf"), site)
	render(t, filepath.Join(src, "upstream.conf"), filepath.Join(dir, "conf.d", "continuity-upstream.conf"), []string{
		"server 127.0.0.1:8080 ", "server " + o.Upstream + " ",
	})

	args := []string{"-p", dir, "-c", filepath.Join(dir, "nginx.conf"), "-e", filepath.Join(dir, "logs", "error.log"), "-g", "daemon off;"}
	if out, err := exec.Command(bin, append(args, "-t")...).CombinedOutput(); err != nil {
		if bytes.Contains(out, []byte("Permission denied")) || bytes.Contains(out, []byte("Operation not permitted")) {
			skip(t, "nginx cannot run here: "+strings.TrimSpace(string(out)))
		}
		t.Fatalf("nginxtest: nginx -t refuses the documented configuration: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		skip(t, "nginx cannot start: "+err.Error())
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			if b, err := os.ReadFile(filepath.Join(dir, "logs", "error.log")); err == nil {
				t.Logf("nginx error.log:\n%s", b)
			}
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", httpsPort)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("nginxtest: nginx exited: %v\n%s", err, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	return &Proxy{
		URL:      "https://" + addr,
		PlainURL: fmt.Sprintf("http://127.0.0.1:%d", plainPort),
		Dir:      dir,
		Client: &http.Client{Transport: tr, Timeout: time.Minute,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}

// render writes src to dst with each old, new pair replaced; every old must
// be found.
func render(t testing.TB, src, dst string, pairs []string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("nginxtest: %s no longer has %q: update the test's rendering with the documented file", src, pairs[i])
		}
		s = strings.ReplaceAll(s, pairs[i], pairs[i+1])
	}
	if err := os.WriteFile(dst, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback port free a moment ago.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// selfSigned writes a certificate for 127.0.0.1 and localhost and its key,
// returning their paths and a pool that trusts it.
func selfSigned(t testing.TB, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "continuity test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
