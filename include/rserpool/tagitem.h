/*
 * Tag lists: arrays of (tag, data) pairs ending with TAG_DONE, which
 * the rsp_*_tags() calls of <rserpool/rserpool-internals.h> take for
 * their tuning values.  The layout and tag numbers are RSPLIB 3's; the
 * tag list functions of RSPLIB's libtdtagitem are not part of librsplib
 * and not provided here.  ISC licence (LICENSE).
 */
#ifndef TAGITEM_H
#define TAGITEM_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TAG_DONE   0       /* the end of a list */
#define TAG_END    0       /* the same */
#define TAG_IGNORE 1       /* skip this item */
#define TAG_MORE   2       /* data: the list that goes on instead */
#define TAG_SKIP   3       /* skip this item and the next */
#define TAG_USER   1000000 /* the first application tag */

typedef unsigned int tag_t;
typedef unsigned long tagdata_t;

struct TagItem {
	tag_t Tag;
	tagdata_t Data;
};

#ifdef __cplusplus
}
#endif

#endif
