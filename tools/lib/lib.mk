# libtdxtrace: the loader library every tool links (tools/lib/).
LIB_SRCS += tools/lib/common.c
