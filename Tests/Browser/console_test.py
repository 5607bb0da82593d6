#!/usr/bin/env python3
"""The operator console in a real browser (headless Chromium through selenium).

Starts the demo exactly as `make run` does (scripts/run-demo.sh: the gateway with
Config/gatehouse.yaml and every simulator), on free ports with its own state directory, then
signs in, reads every page, authorizes the Checkfront OAuth demo through the simulator's
consent page, sets a vault secret, rotates the Keyfax keys and signs out; a wrong token and a
form without its CSRF token are refused, and no page's HTML holds any of the demo's secret
values. Screenshots and page sources of each page land in --artifacts. Every process it starts
(the demo script with the gateway and simulators, chromedriver, chromium) is stopped at the end,
passed or failed. Exit status 0 when every check passed.
"""
import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_KEY = "gh_DEMO-ONLY-loopback-key-never-use-in-production"
# The values scripts/run-demo.sh puts in the vault or the environment.
DEMO_SECRETS = [
    DEMO_KEY,
    "DEMO-ONLY-checkfront-api-key",
    "DEMO-ONLY-checkfront-api-secret",
    "DEMO-ONLY-checkfront-consumer-key",
    "DEMO-ONLY-checkfront-consumer-secret",
    "DEMO-ONLY-keyfax-hook-secret-0123456789",
    "ANPassword",
    "DEMO-ONLY-okit-token-BlaBla",
    # The demo client's key hash (Clients must never show key hashes).
    "b844ab47c5fff8798b8f9062c80a41b7141c9561b0e3ea3bfdf1656eccffc788",
]


class Failures:
    def __init__(self):
        self.items = []

    def check(self, condition, message):
        if condition:
            print("  ok   " + message, flush=True)
        else:
            print("  FAIL " + message, flush=True)
            self.items.append(message)
        return condition


def free_ports(count):
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def request(port, method, path, body=None, headers=None):
    """One HTTP exchange, no redirects followed: (status, headers as a list, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def header_values(headers, name):
    return [value for key, value in headers if key.lower() == name.lower()]


def connection_names():
    """Every connection of the demo configuration (two-space keys under `connections:`)."""
    names, inside = [], False
    with open(os.path.join(ROOT, "Config", "gatehouse.yaml"), encoding="utf-8") as config:
        for line in config:
            if re.match(r"^connections:\s*$", line):
                inside = True
            elif inside and re.match(r"^\S", line):
                inside = False
            elif inside:
                match = re.match(r"^  ([A-Za-z0-9_.-]+):\s*$", line)
                if match:
                    names.append(match.group(1))
    return names


class Demo:
    """scripts/run-demo.sh in its own process group, on free ports."""

    def __init__(self, binary, artifacts):
        ports = free_ports(7)
        self.port, self.admin_port, echo, keyfax, k2, self.checkfront_port, okit = ports
        self.state = tempfile.mkdtemp(prefix="gatehouse-browser-")
        self.admin_token = "demo-admin-" + secrets.token_hex(16)
        self.upstream_token = "demo-upstream-" + secrets.token_hex(12)
        self.environment = dict(
            os.environ,
            GATEHOUSE_BINARY=binary,
            GATEHOUSE_PORT=str(self.port),
            GATEHOUSE_ADMIN_PORT=str(self.admin_port),
            GATEHOUSE_DEMO_ECHO_PORT=str(echo),
            GATEHOUSE_DEMO_KEYFAX_PORT=str(keyfax),
            GATEHOUSE_DEMO_K2_PORT=str(k2),
            GATEHOUSE_DEMO_CHECKFRONT_PORT=str(self.checkfront_port),
            GATEHOUSE_DEMO_OKIT_PORT=str(okit),
            GATEHOUSE_DEMO_DIR=self.state,
            GATEHOUSE_ADMIN_TOKEN=self.admin_token,
            GATEHOUSE_DEMO_UPSTREAM_TOKEN=self.upstream_token,
        )
        self.binary = binary
        self.log_path = os.path.join(artifacts, "demo.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [os.path.join(ROOT, "scripts", "run-demo.sh")], cwd=ROOT, env=self.environment,
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)

    def wait_ready(self, deadline_seconds=180):
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("the demo exited with %s; see %s" % (self.process.returncode, self.log_path))
            try:
                if request(self.port, "GET", "/readyz")[0] == 200 and request(self.admin_port, "GET", "/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the demo did not become ready; see " + self.log_path)

    def vault_value(self, path):
        """A vault value, read with the real CLI (recorded in the audit table as a reveal)."""
        config = os.path.join(self.state, "gatehouse.yaml")
        with open(os.path.join(self.state, "master.key"), encoding="utf-8") as key:
            environment = dict(self.environment, GATEHOUSE_MASTER_KEY=key.read().strip())
        result = subprocess.run([self.binary, "vault", "reveal", path, "--config", config], env=environment,
                                capture_output=True, text=True, timeout=60)
        return result.stdout.strip() if result.returncode == 0 else None

    def stop(self):
        """Ends the script's whole process group (the script's trap ends its children too)."""
        group = self.process.pid
        try:
            os.killpg(group, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and group_alive(group):
            time.sleep(0.1)
        if group_alive(group):
            os.killpg(group, signal.SIGKILL)
            time.sleep(0.5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.log.close()
        shutil.rmtree(self.state, ignore_errors=True)
        return not group_alive(group)


def group_alive(group):
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def children_of(pid):
    """Every descendant of `pid`, from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def start_browser(profile, artifacts):
    os.environ.setdefault("SE_OFFLINE", "true")  # never let selenium fetch a driver or browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,1000",
                     "--no-first-run", "--password-store=basic", "--user-data-dir=" + profile):
        options.add_argument(argument)
    service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver",
                      log_output=os.path.join(artifacts, "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(60)
    return driver


class Console:
    """The browser on the admin listener, keeping every page's HTML for the secret check."""

    def __init__(self, driver, demo, artifacts, failures):
        self.driver, self.demo, self.artifacts, self.failures = driver, demo, artifacts, failures
        self.pages = {}
        self.shots = 0

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.demo.admin_port, path)

    def open(self, path):
        self.driver.get(self.url(path))

    def keep(self, name):
        """Screenshot and page source of what the browser shows now."""
        self.shots += 1
        stem = "%02d-%s" % (self.shots, name)
        self.driver.save_screenshot(os.path.join(self.artifacts, stem + ".png"))
        source = self.driver.page_source
        with open(os.path.join(self.artifacts, stem + ".html"), "w", encoding="utf-8") as page:
            page.write(source)
        if self.driver.current_url.startswith(self.url("")):
            self.pages[stem] = source

    def click(self, css=None, element=None):
        """Clicks and waits for the next page to replace this one."""
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait
        page = self.find("html")
        (element or self.find(css)).click()

        def replaced(_driver):
            # selenium's staleness_of only expects StaleElementReferenceException; chromium may
            # instead answer "Node with given id does not belong to the document" while the old
            # page is being torn down. Either way the old page is gone.
            try:
                page.is_enabled()
                return False
            except WebDriverException:
                return True

        WebDriverWait(self.driver, 60).until(replaced)
        WebDriverWait(self.driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")

    def find(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def state_of(self, connection):
        return self.find("#connection-%s [data-state]" % connection).get_attribute("data-state")

    def version_of(self, path):
        rows = self.find_all('tr[data-path="%s"] td[data-version]' % path)
        return int(rows[0].get_attribute("data-version")) if rows else 0

    def flash(self):
        found = self.find_all("#flash")
        return found[0].text if found else ""

    def session_cookie(self):
        cookie = self.driver.get_cookie("gatehouse_session")
        return cookie["value"] if cookie else None


def run(arguments, failures):
    os.makedirs(arguments.artifacts, exist_ok=True)
    for old in os.listdir(arguments.artifacts):
        os.remove(os.path.join(arguments.artifacts, old))
    demo = Demo(os.path.abspath(arguments.binary), arguments.artifacts)
    driver = None
    driver_processes = []
    profile = tempfile.mkdtemp(prefix="gatehouse-chromium-")
    try:
        print("demo: data plane %d, admin listener %d" % (demo.port, demo.admin_port), flush=True)
        demo.wait_ready()
        driver = start_browser(profile, arguments.artifacts)
        driver_processes = [driver.service.process.pid] + children_of(driver.service.process.pid)
        scenario(Console(driver, demo, arguments.artifacts, failures), demo, failures)
    finally:
        if driver is not None:
            driver_processes = sorted(set(driver_processes + children_of(driver.service.process.pid)))
            try:
                driver.quit()
            except Exception as error:  # the browser may be gone already; the processes are checked below
                print("driver.quit: %r" % error)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(alive(pid) for pid in driver_processes):
                time.sleep(0.1)
            for pid in driver_processes:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
            failures.check(not any(alive(pid) for pid in driver_processes), "chromedriver and chromium stopped")
        failures.check(demo.stop(), "the demo's gateway and simulators stopped")
        shutil.rmtree(profile, ignore_errors=True)


def scenario(console, demo, failures):
    from selenium.webdriver.common.keys import Keys
    check = failures.check

    print("listeners", flush=True)
    for path in ("/", "/connections", "/admin/v1/connections", "/oauth/checkfront-oauth-demo/start"):
        status = request(demo.port, "GET", path, headers={"Authorization": "Bearer " + demo.admin_token})[0]
        check(status == 404, "the data plane answers 404 for %s (got %d)" % (path, status))
    for _ in range(3):
        request(demo.port, "GET", "/proxy/echo-demo/orders", headers={"Authorization": "Bearer " + DEMO_KEY})

    print("sign-in refused", flush=True)
    console.open("/")
    check(console.find("label[for=token]").text == "Admin token", "the token field has a label")
    console.keep("login")
    console.find("#token").send_keys("wrong-" + demo.admin_token)
    console.click("#sign-in")
    check("The admin token was not accepted." in console.flash(), "a wrong token is refused")
    check(console.session_cookie() is None, "a wrong token gets no session")
    console.keep("login-refused")
    # At the HTTP level: every wrong token, the same status and the same bytes.
    status, headers, body = request(demo.admin_port, "GET", "/")
    login_cookie = [v.split(";")[0] for v in header_values(headers, "Set-Cookie") if v.startswith("gatehouse_login=")][0]
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    answers = set()
    for wrong in ("", "x" * 64, demo.admin_token[:-1], demo.admin_token + "x", demo.admin_token.upper()):
        form = urllib.parse.urlencode({"csrf": csrf, "token": wrong})
        status, headers, body = request(demo.admin_port, "POST", "/login", form,
                                        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": login_cookie})
        answers.add((status, body))
        check(not any(v.startswith("gatehouse_session=") for v in header_values(headers, "Set-Cookie")), "no session for a wrong token")
    check(len(answers) == 1 and next(iter(answers))[0] == 401, "every wrong token: one answer, 401 (%d distinct)" % len(answers))
    form = urllib.parse.urlencode({"token": demo.admin_token})
    status, headers, _ = request(demo.admin_port, "POST", "/login", form,
                                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": login_cookie})
    check(status == 403 and not header_values(headers, "Set-Cookie"), "the right token without the CSRF token is refused (%d)" % status)
    form = urllib.parse.urlencode({"csrf": csrf, "token": demo.admin_token})
    status, _, _ = request(demo.admin_port, "POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    check(status == 403, "the right token without the login cookie is refused (%d)" % status)

    print("sign-in", flush=True)
    console.open("/")
    token_field = console.find("#token")
    page = console.find("html")
    token_field.send_keys(demo.admin_token + Keys.ENTER)  # from the keyboard
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(console.driver, 60).until(expected_conditions.staleness_of(page))
    check(console.driver.current_url == console.url("/connections"), "signed in, on Connections")
    cookie = console.driver.get_cookie("gatehouse_session")
    check(cookie is not None and cookie.get("httpOnly") is True, "the session cookie is HttpOnly")
    check(cookie is not None and cookie.get("sameSite") == "Strict", "the session cookie is SameSite=Strict")
    check(cookie is not None and len(cookie["value"]) == 43, "the session cookie holds 256 random bits (43 base64url characters)")
    remaining = (cookie or {}).get("expiry", 0) - time.time()
    check(8 * 3600 - 300 < remaining <= 8 * 3600 + 60, "the session lasts 8 h (%.0f s left)" % remaining)
    check(not cookie.get("secure"), "no Secure flag over plain HTTP")
    check(console.driver.execute_script("return document.cookie") == "", "scripts see no cookie")
    stored = console.driver.execute_script("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    check(demo.admin_token not in stored, "the token is not stored in the browser")

    print("connections", flush=True)
    names = connection_names()
    check(len(names) >= 8, "the demo has its connections (%d)" % len(names))
    for name in names:
        rows = console.find_all("#connection-" + name)
        check(len(rows) == 1, "Connections lists %s" % name)
        if rows:
            expected = "needs_reauthorization" if name == "checkfront-oauth-demo" else "ok"
            check(console.state_of(name) == expected, "%s is %s (%s)" % (name, expected, console.state_of(name)))
    requests_seen = int(console.find("#connection-echo-demo td.number").text)
    check(requests_seen >= 3, "echo-demo's recent requests are counted (%d)" % requests_seen)
    check(console.find_all('#connection-keyfax-demo a[data-action="keyfax/rotate"]') != [], "Keyfax offers a rotation")
    console.keep("connections")

    print("authorize checkfront-oauth-demo", flush=True)
    console.click('#connection-checkfront-oauth-demo a[data-action="authorize"]')
    console.keep("authorize-confirm")
    console.click("#confirm")
    consent = "http://127.0.0.1:%d/oauth/" % demo.checkfront_port
    check(console.driver.current_url.startswith(consent), "the browser is on the simulator's consent page (%s)" % console.driver.current_url.split("?")[0])
    console.keep("checkfront-consent")
    from selenium.webdriver.common.by import By
    console.click(element=console.driver.find_element(By.LINK_TEXT, "Approve"))
    check(console.driver.current_url.startswith("http://127.0.0.1:%d/oauth/checkfront-oauth-demo/callback" % demo.port),
          "the consent page sends the browser back to the data plane's callback")
    console.keep("checkfront-callback")
    deadline = time.monotonic() + 60
    state = None
    while time.monotonic() < deadline:
        console.open("/connections")
        state = console.state_of("checkfront-oauth-demo")
        if state == "ok":
            break
        time.sleep(1)
    check(state == "ok", "checkfront-oauth-demo turns ok (%s)" % state)
    expiries = console.find("#connection-checkfront-oauth-demo").text
    check("access_token expires in" in expiries, "its token expiry reads \"in ...\"")
    console.keep("connections-authorized")

    print("vault", flush=True)
    console.open("/vault")
    before = console.version_of("echo-demo/token")
    check(before >= 1, "the vault lists echo-demo/token (version %d)" % before)
    new_secret = "browser-set-secret-" + secrets.token_hex(10)
    console.find("#path").send_keys("echo-demo/token")
    console.find("#value").send_keys(new_secret)
    console.click("#store")
    check(console.flash() == "Stored echo-demo/token version %d." % (before + 1), "storing says the new version (%r)" % console.flash())
    check(console.version_of("echo-demo/token") == before + 1, "the vault shows the new version")
    console.keep("vault")
    _, _, echoed = request(demo.port, "GET", "/proxy/echo-demo/check", headers={"Authorization": "Bearer " + DEMO_KEY})
    try:
        upstream = json.loads(echoed).get("headers", {}).get("authorization")
    except ValueError:
        upstream = None
    check(upstream == "Bearer " + new_secret, "the next proxied call carries the new secret")

    print("keyfax rotation", flush=True)
    keyfax_before = console.version_of("keyfax-demo/api_key")
    console.open("/connections")
    console.click('#connection-keyfax-demo a[data-action="keyfax/rotate"]')
    check("Ask Keyfax for a new key pair?" in console.find("main").text, "the rotation asks to confirm")
    console.keep("keyfax-confirm")
    console.click("#confirm")
    check(console.flash() == "Rotate keys on keyfax-demo: done.", "the rotation is done (%r)" % console.flash())
    console.open("/vault")
    check(console.version_of("keyfax-demo/api_key") == keyfax_before + 1,
          "keyfax-demo/api_key has a new version (%d -> %d)" % (keyfax_before, console.version_of("keyfax-demo/api_key")))

    print("missing CSRF token", flush=True)
    version = console.version_of("echo-demo/token")
    console.driver.execute_script('document.querySelector("#put-secret input[name=csrf]").remove()')
    console.find("#path").send_keys("echo-demo/token")
    console.find("#value").send_keys("never-stored-" + secrets.token_hex(6))
    console.click("#store")
    check("Form refused" in console.find("h1").text, "a form without its CSRF token is refused")
    console.keep("csrf-refused")
    session = console.session_cookie()
    for fields in ({"path": "echo-demo/token", "value": "never-stored"}, {"csrf": "x" * 43, "path": "echo-demo/token", "value": "never-stored"}):
        status, _, _ = request(demo.admin_port, "POST", "/vault/put", urllib.parse.urlencode(fields),
                               {"Content-Type": "application/x-www-form-urlencoded", "Cookie": "gatehouse_session=" + session})
        check(status == 403, "POST /vault/put without the right CSRF token: 403 (%d)" % status)
    status, _, _ = request(demo.admin_port, "POST", "/connections/keyfax-demo/actions/keyfax/rotate", "",
                           {"Content-Type": "application/x-www-form-urlencoded", "Cookie": "gatehouse_session=" + session})
    check(status == 403, "an action without the CSRF token: 403 (%d)" % status)
    console.open("/vault")
    check(console.version_of("echo-demo/token") == version, "nothing was stored")

    print("delete with confirmation", flush=True)
    console.find("#path").send_keys("console-test/scratch")
    console.find("#value").send_keys("scratch-" + secrets.token_hex(6))
    console.click("#store")
    console.click('tr[data-path="console-test/scratch"] a')
    check("Delete every version of console-test/scratch?" in console.find("main").text, "deleting asks to confirm")
    console.click("#confirm")
    check(console.flash() == "Deleted console-test/scratch.", "deleted (%r)" % console.flash())
    check(console.find_all('tr[data-path="console-test/scratch"]') == [], "the secret is gone from the list")

    print("audit", flush=True)
    console.open("/audit")
    rows = console.find_all("#audit tbody tr[data-path]")
    check(any(r.get_attribute("data-path") == "echo-demo/token" and "console from 127.0.0.1" in r.text for r in rows),
          "the audit shows the console's write")
    console.keep("audit")
    console.find("#filter-path").send_keys("keyfax")
    console.click("#filter")
    paths = [r.get_attribute("data-path") for r in console.find_all("#audit tbody tr[data-path]")]
    check(paths and all("keyfax" in p for p in paths), "the audit filters by path (%d rows)" % len(paths))
    console.keep("audit-filtered")

    print("clients", flush=True)
    console.open("/clients")
    for name in ("housing-system", "sms-callers"):
        check(console.find_all('tr[data-client="%s"]' % name) != [], "Clients lists %s" % name)
    check("token via okit-demo" in console.find('tr[data-client="sms-callers"]').text, "sms-callers shows its authenticator")
    console.keep("clients")

    print("keyboard", flush=True)
    console.open("/connections")
    console.driver.switch_to.active_element.send_keys(Keys.TAB)
    check(console.driver.switch_to.active_element.text == "Skip to content", "the first Tab reaches the skip link")

    print("secrets in HTML", flush=True)
    raw = {}
    for path in ("/connections", "/vault", "/audit", "/clients", "/vault/delete?path=echo-demo/token",
                 "/connections/keyfax-demo/actions/keyfax/rotate", "/connections/checkfront-oauth-demo/actions/authorize"):
        status, _, body = request(demo.admin_port, "GET", path, headers={"Cookie": "gatehouse_session=" + session})
        check(status == 200, "GET %s with the session: 200 (%d)" % (path, status))
        raw[path] = body.decode("utf-8", "replace")
    values = DEMO_SECRETS + [demo.admin_token, demo.upstream_token, new_secret]
    for path in ("echo-demo/token", "keyfax-demo/api_key", "keyfax-demo/signing_key", "keyfax-demo/jwt",
                 "checkfront-oauth-demo/access_token", "checkfront-oauth-demo/refresh_token"):
        value = demo.vault_value(path)
        if value:
            values.append(value)
    check(len(values) >= len(DEMO_SECRETS) + 6, "collected %d secret values to look for" % len(values))
    pages = dict(console.pages, **raw)
    check(len(pages) >= 14, "%d console pages kept" % len(pages))
    for value in values:
        leaks = [name for name, html in pages.items() if len(value) >= 6 and value in html]
        check(not leaks, "no page shows a secret of %d characters (%s...)" % (len(value), value[:4]) + (": " + ", ".join(leaks) if leaks else ""))

    print("sign out", flush=True)
    console.open("/connections")
    console.click("#logout")
    check(console.driver.current_url == console.url("/") and console.find_all("#token") != [], "signed out, on the sign-in form")
    check(console.session_cookie() is None, "the session cookie is gone")
    console.keep("signed-out")
    status, headers, _ = request(demo.admin_port, "GET", "/connections", headers={"Cookie": "gatehouse_session=" + session})
    check(status == 303 and header_values(headers, "Location") == ["/"], "the old session no longer opens a page (%d)" % status)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the built gatehouse executable")
    parser.add_argument("--artifacts", required=True, help="directory for screenshots, page sources and logs")
    arguments = parser.parse_args()
    failures = Failures()
    try:
        run(arguments, failures)
    except Exception as error:
        import traceback
        traceback.print_exc()
        failures.items.append("aborted: %r" % error)
    print("browser tests: %d failed; artifacts in %s" % (len(failures.items), arguments.artifacts))
    for item in failures.items:
        print("  - " + item)
    return 1 if failures.items else 0


if __name__ == "__main__":
    sys.exit(main())
