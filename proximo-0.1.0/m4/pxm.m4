dnl pxm.m4 - configure helpers for Proximo.
dnl
dnl PXM_REQUIRE_PKG(VARIABLE-PREFIX, MODULES, DEBIAN-PACKAGE)
dnl   A hard dependency: fail with a message that names the Debian package.
AC_DEFUN([PXM_REQUIRE_PKG], [
	PKG_CHECK_MODULES([$1], [$2], [],
	    [AC_MSG_ERROR([$2 not found. On Debian: apt-get install $3])])
])

dnl PXM_OPTIONAL_PKG(VARIABLE-PREFIX, MODULES, SHELL-VAR)
dnl   Sets SHELL-VAR to yes or no.
AC_DEFUN([PXM_OPTIONAL_PKG], [
	PKG_CHECK_MODULES([$1], [$2], [$3=yes], [$3=no])
])

dnl PXM_CHECK_CFLAG(FLAG, VARIABLE)
dnl   Appends FLAG to VARIABLE when the C compiler accepts it (warnings are
dnl   errors during the probe, so a flag gcc only warns about is not taken).
AC_DEFUN([PXM_CHECK_CFLAG], [
	AS_VAR_PUSHDEF([pxm_cv], [pxm_cv_cflag_$1])
	AC_CACHE_CHECK([whether $CC accepts $1], [pxm_cv], [
		pxm_save_CFLAGS="$CFLAGS"
		CFLAGS="$CFLAGS -Werror $1"
		AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
		    [AS_VAR_SET([pxm_cv], [yes])], [AS_VAR_SET([pxm_cv], [no])])
		CFLAGS="$pxm_save_CFLAGS"])
	AS_VAR_IF([pxm_cv], [yes], [$2="$$2 $1"])
	AS_VAR_POPDEF([pxm_cv])
])

dnl PXM_CHECK_LDFLAG(FLAG, VARIABLE)
AC_DEFUN([PXM_CHECK_LDFLAG], [
	AS_VAR_PUSHDEF([pxm_cv], [pxm_cv_ldflag_$1])
	AC_CACHE_CHECK([whether the linker accepts $1], [pxm_cv], [
		pxm_save_LDFLAGS="$LDFLAGS"
		LDFLAGS="$LDFLAGS -Werror $1"
		AC_LINK_IFELSE([AC_LANG_PROGRAM([], [return 0;])],
		    [AS_VAR_SET([pxm_cv], [yes])], [AS_VAR_SET([pxm_cv], [no])])
		LDFLAGS="$pxm_save_LDFLAGS"])
	AS_VAR_IF([pxm_cv], [yes], [$2="$$2 $1"])
	AS_VAR_POPDEF([pxm_cv])
])

dnl PXM_PLUGIN(NAME, DEPS-OK, WHAT-IS-MISSING, HELP)
dnl   --enable-NAME=yes|no|auto (default auto).  yes with missing
dnl   dependencies is an error; auto with missing dependencies disables the
dnl   plugin and reports why in the summary, never silently.
AC_DEFUN([PXM_PLUGIN], [
	AC_ARG_ENABLE([$1], [AS_HELP_STRING([--enable-$1], [$4 (default: auto)])],
	    [pxm_want_$1="$enableval"], [pxm_want_$1=auto])
	pxm_build_$1=no
	pxm_why_$1=""
	AS_CASE(["$pxm_want_$1"],
	  [no], [pxm_why_$1="disabled by --disable-$1"],
	  [yes], [AS_IF([test "x$2" = xyes], [pxm_build_$1=yes],
	          [AC_MSG_ERROR([plugin $1 requested but $3])])],
	  [auto], [AS_IF([test "x$2" = xyes], [pxm_build_$1=yes],
	          [pxm_why_$1="$3"])],
	  [AC_MSG_ERROR([bad value '$pxm_want_$1' for --enable-$1 (yes, no or auto)])])
	AM_CONDITIONAL(m4_toupper([BUILD_PLUGIN_$1]), [test "x$pxm_build_$1" = xyes])
	AS_IF([test "x$pxm_build_$1" = xyes],
	    [pxm_plugin_summary="$pxm_plugin_summary
    $1: yes"],
	    [pxm_plugin_summary="$pxm_plugin_summary
    $1: no ($pxm_why_$1)"])
])
