#pragma once
// What a child leaves behind once it is reaped: processes of its process group (a worker that
// forked and was never waited for) and processes that escaped the group (setsid, a daemonizing
// double fork). The runner is a child subreaper (PR_SET_CHILD_SUBREAPER), so an orphan of its
// tree is reparented to it, not to init: finding them is a walk over /proc for our own children.
#include <sys/types.h>

#include <chrono>
#include <set>
#include <vector>

#include "core/deadline.h"

namespace interpbench {

// One process as /proc/PID/stat has it.
struct ProcessEntry {
  pid_t pid = 0, ppid = 0, pgrp = 0;
  char state = '?';  // 'Z': a zombie (dead, waiting to be reaped)
};

// Every process /proc lists (those that vanish while it is read are skipped).
std::vector<ProcessEntry> list_processes();

// Our children now (their pids): what end_leftovers must not touch.
std::set<pid_t> own_children();

// Makes this process a child subreaper (prctl(PR_SET_CHILD_SUBREAPER)); false when refused.
bool become_child_subreaper() noexcept;

// After a child whose process group is `pgid` was reaped: waits up to `grace` for what is left of
// its group and for our children that are not in `keep` (reparented orphans) to exit on their
// own, reaping those that are our children; then SIGKILLs the survivors and reaps them, until
// none is left or `deadline` passes. Returns how many it killed (0: the child left nothing).
int end_leftovers(pid_t pgid, const std::set<pid_t>& keep, std::chrono::milliseconds grace,
                  Deadline deadline);

}  // namespace interpbench
