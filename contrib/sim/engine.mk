# The simulator's request path without its daemon (main.c, server.c): one
# list, shared by proximo-sim and the fuzz targets in tests/fuzz, so a new
# file lands in both.  %reldir% is this directory as seen from the includer.
SIM_ENGINE_SOURCES = \
	%reldir%/util.c \
	%reldir%/router.c \
	%reldir%/schema.c %reldir%/formats.c \
	%reldir%/auth.c %reldir%/roles.c \
	%reldir%/tasks.c \
	%reldir%/state.c \
	%reldir%/profile.c \
	%reldir%/crud.c \
	%reldir%/control.c \
	%reldir%/reqlog.c \
	%reldir%/faults.c \
	%reldir%/pve.c %reldir%/pve_guest.c %reldir%/pve_cluster.c %reldir%/pve_access.c \
	%reldir%/pve_ops.c %reldir%/pve_node.c %reldir%/pve_sdn.c \
	%reldir%/pbs.c \
	%reldir%/pmg.c
