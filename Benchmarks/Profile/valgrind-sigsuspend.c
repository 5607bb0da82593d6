/*
 * Preloaded into the gateway by Benchmarks/profile.sh so that valgrind 3.19 (Debian 12) can run
 * a Swift program that uses concurrency.
 *
 * Why: Swift's async `main` ends in `dispatch_main()`, whose main thread parks in
 * `sigsuspend(&mask)` with a mask that libdispatch keeps in read-only memory. valgrind 3.19's
 * wrapper for rt_sigsuspend removes its own signal (VG_SIGVGKILL) from the caller's mask *in
 * place*, so it writes into a read-only page and valgrind itself dies with SIGSEGV
 * ("VALGRIND INTERNAL ERROR", si_code=2, the fault address inside libdispatch.so). Every Swift
 * program with an async main does this, even under --tool=none. Handing the kernel a copy of
 * the mask on the stack changes nothing for the program and gives valgrind a writable mask.
 *
 *   cc -shared -fPIC -O2 -o valgrind-sigsuspend.so valgrind-sigsuspend.c
 *   LD_PRELOAD=$PWD/valgrind-sigsuspend.so valgrind --tool=callgrind ./program
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)(_NSIG / 8));
}
