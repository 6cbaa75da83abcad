/* SPDX-License-Identifier: MIT */
/*
 * tcg_image.S - the TCG probe's guest (tcg/guest.c), linked into tpt as
 * bytes: tcg.c writes them to a file for qemu-system-i386 -kernel. The
 * build passes the ELF's path as TCG_GUEST_ELF.
 */
	.section .rodata
	.globl	tcg_image, tcg_image_end
	.p2align 4
tcg_image:
	.incbin	TCG_GUEST_ELF
tcg_image_end:

	.section .note.GNU-stack, "", @progbits
