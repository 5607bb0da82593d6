#ifndef CGATEHOUSE_XML2_H
#define CGATEHOUSE_XML2_H
/* libxml2 is built with ICU; its headers would pull the system's ICU headers into this module,
   which clashes with Foundation's own ICU module. Nothing here touches the encoding handler
   struct (only pointers to it), so its ICU members can stay out of sight. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/SAX2.h>
#include <libxml/parserInternals.h>
#include <string.h>
#include <pthread.h>

static inline void gh_xml_init(void) { xmlInitParser(); }

/* The outcome of one safe parse: a document, or where and why it failed. */
typedef struct {
    xmlDocPtr doc;          /* NULL on failure; free with xmlFreeDoc */
    int refused_doctype;    /* 1 when a DOCTYPE (and so any entity declaration) was refused */
    int line;
    int column;
    char message[256];
} gh_xml_result;

/* Parses `size` bytes with no network, no DTD loading, no entity substitution, and refuses any
   DOCTYPE outright (so no entity is ever declared: no XXE, no billion laughs). */

static inline void gh_refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external, const xmlChar *system) {
    (void)name; (void)external; (void)system;
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)ctx;
    ctxt->_private = (void *)1;
    xmlStopParser(ctxt);
}

static inline void gh_silent(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

/* Bytes of distinct names (element, attribute, prefix) a document may bring. libxml2 2.9 interns
   every name in a dictionary whose bucket count stops growing at a few thousand, so lookups
   turn linear and a document of 200k distinct names parses in quadratic time (about 1 s at
   200k, 4x per doubling). Real documents repeat a few hundred names; past this budget
   (libxml2 allocates its string pools in x4 steps, so about 85 KB: some 12k short names, whose
   lookups cost a few tens of milliseconds) the parse stops at once instead. */
#define GH_XML_NAME_BUDGET 50000

static inline gh_xml_result gh_xml_parse(const char *buffer, int size) {
    /* libxml2's globals must be set up once before threads parse concurrently. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, gh_xml_init);
    gh_xml_result result;
    memset(&result, 0, sizeof result);
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(buffer, size);
    if (ctxt == NULL) {
        strncpy(result.message, "the parser could not be created", sizeof result.message - 1);
        return result;
    }
    /* No NOENT (entities are never substituted), no DTDLOAD/DTDATTR/DTDVALID, NONET, no HUGE
       (libxml2's own depth and text-size limits stay on). NODICT keeps text out of the name
       dictionary, so the name budget below counts names only. */
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NODICT);
    if (ctxt->dict != NULL) xmlDictSetLimit(ctxt->dict, GH_XML_NAME_BUDGET);
    ctxt->sax->internalSubset = gh_refuse_doctype;
    ctxt->sax->error = gh_silent;
    ctxt->sax->warning = gh_silent;
    ctxt->vctxt.error = gh_silent;
    ctxt->vctxt.warning = gh_silent;
    xmlParseDocument(ctxt);
    if (ctxt->_private == (void *)1) {
        result.refused_doctype = 1;
        result.line = xmlSAX2GetLineNumber(ctxt);
        result.column = xmlSAX2GetColumnNumber(ctxt);
        strncpy(result.message, "a DOCTYPE is not accepted", sizeof result.message - 1);
        if (ctxt->myDoc) xmlFreeDoc(ctxt->myDoc);
    } else if (!ctxt->wellFormed || ctxt->myDoc == NULL) {
        xmlErrorPtr error = xmlCtxtGetLastError(ctxt);
        /* Over the name budget the dictionary refuses new strings, and libxml2 reports some
           follow-on error; a probe that cannot be interned either tells the two apart. */
        char probe[1100];
        memset(probe, 'x', sizeof probe - 1);
        probe[sizeof probe - 1] = 0;
        memcpy(probe, "gh-name-budget-probe", 20);
        int overBudget = ctxt->dict != NULL && xmlDictLookup(ctxt->dict, (const xmlChar *)probe, -1) == NULL;
        if (overBudget) {
            result.line = error != NULL ? error->line : 0;
            result.column = error != NULL ? error->int2 : 0;
            strncpy(result.message, "the document has too many distinct element and attribute names", sizeof result.message - 1);
        } else if (error != NULL) {
            result.line = error->line;
            result.column = error->int2;
            if (error->message) strncpy(result.message, error->message, sizeof result.message - 1);
        } else {
            strncpy(result.message, "not well-formed", sizeof result.message - 1);
        }
        if (ctxt->myDoc) xmlFreeDoc(ctxt->myDoc);
    } else {
        result.doc = ctxt->myDoc;
    }
    ctxt->myDoc = NULL;
    xmlFreeParserCtxt(ctxt);
    /* Trailing newline from libxml2's messages. */
    size_t n = strlen(result.message);
    while (n > 0 && (result.message[n - 1] == '\n' || result.message[n - 1] == ' ')) result.message[--n] = 0;
    return result;
}
#endif
