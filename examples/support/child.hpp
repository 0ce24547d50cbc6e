// examples/support/child.hpp - runs a measurement in a child process, so that its peak memory
// (getrusage's ru_maxrss) is its own and not the peak of whatever ran before it.
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>

namespace bench {

/// What a child measured.
struct child_measurement {
    double ms = 0;
    double peak_rss_mb = 0;
};

/// Forks, runs `body` in the child, and returns its wall time and peak RSS.
inline child_measurement in_child(const std::function<void()>& body) {
    int channel[2];
    if (pipe(channel) != 0) return {};
    const pid_t child = fork();
    if (child == 0) {
        close(channel[0]);
        const auto start = std::chrono::steady_clock::now();
        body();
        child_measurement result;
        result.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        result.peak_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
        (void)!write(channel[1], &result, sizeof result);
        _exit(0);
    }
    close(channel[1]);
    child_measurement result;
    (void)!read(channel[0], &result, sizeof result);
    close(channel[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return result;
}

}  // namespace bench
