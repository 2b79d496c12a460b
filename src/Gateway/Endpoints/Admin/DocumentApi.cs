using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using SutazAi.Gateway.Auth;
using SutazAi.Gateway.Documents;
using SutazAi.Gateway.Errors;
using SutazAi.Gateway.Protocol.Sutaz;
using SutazAi.Gateway.Storage.Documents;

namespace SutazAi.Gateway.Endpoints.Admin;

/// <summary>
/// /api/v1/documents: upload (JSON, or multipart with a "file" field) of text, Markdown or HTML, which is chunked,
/// embedded and stored; list, read, delete (chunks included), and passage search. Every route sees only the
/// caller's documents.
/// </summary>
internal static class DocumentApi
{
    private const int MaxTitle = 300;

    public static RouteGroupBuilder MapDocumentApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/documents").WithTags("Documents");
        group.MapPost("", CreateAsync).WithName("DocumentCreate").DisableAntiforgery();
        group.MapGet("", ListAsync).WithName("DocumentList");
        group.MapPost("/search", SearchAsync).WithName("DocumentSearch");
        group.MapGet("/{id}", GetAsync).WithName("DocumentGet");
        group.MapDelete("/{id}", DeleteAsync).WithName("DocumentDelete");
        return group;
    }

    private static async Task<Created<Envelope<DocumentView>>> CreateAsync(HttpContext context, DocumentLibrary library, TimeProvider time)
    {
        var (title, contentType, content, metadata) = context.Request.HasFormContentType
            ? await ReadFormAsync(context.Request).ConfigureAwait(false)
            : ReadJson(await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.DocumentCreateRequest).ConfigureAwait(false));
        if (title.Length > MaxTitle)
        {
            throw GatewayException.Invalid($"title is at most {MaxTitle} characters", "title");
        }

        var document = await library.IngestAsync(Caller.From(context).Owner, title, contentType, content, metadata, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Created($"/api/v1/documents/{document.Id}", Envelope.Success(context, View(document, withContent: false), time));
    }

    private static async Task<Ok<Envelope<DocumentPageView>>> ListAsync(HttpContext context, DocumentLibrary library, TimeProvider time, int? page, int? per_page)
    {
        var (number, size) = Paging.Read(page, per_page, 20, 100);
        var (items, total) = await library.ListAsync(Caller.From(context).Owner, number, size, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new DocumentPageView
        {
            Items = [.. items.Select(d => View(d, withContent: false))],
            Total = total,
            Page = number,
            PerPage = size,
            HasNext = Paging.HasNext(number, size, total),
            HasPrev = number > 1,
        }, time));
    }

    private static async Task<Ok<Envelope<DocumentView>>> GetAsync(HttpContext context, string id, DocumentLibrary library, TimeProvider time)
    {
        var document = await library.FindAsync(Caller.From(context).Owner, id, context.RequestAborted).ConfigureAwait(false) ?? throw Missing(id);
        return TypedResults.Ok(Envelope.Success(context, View(document, withContent: true), time));
    }

    private static async Task<Ok<Envelope<DeletedView>>> DeleteAsync(HttpContext context, string id, DocumentLibrary library, TimeProvider time) =>
        await library.DeleteAsync(Caller.From(context).Owner, id, context.RequestAborted).ConfigureAwait(false)
            ? TypedResults.Ok(Envelope.Success(context, new DeletedView { Deleted = true, Id = id }, time))
            : throw Missing(id);

    private static async Task<Ok<Envelope<DocumentSearchReply>>> SearchAsync(HttpContext context, DocumentLibrary library, TimeProvider time)
    {
        var request = await RequestBody.ReadAsync(context.Request, SutazJsonContext.Default.DocumentSearchRequest).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(request.Query))
        {
            throw GatewayException.Invalid("query is required", "query");
        }

        var topK = request.TopK ?? 5;
        if (topK is < 1 or > VectorApi.MaxTopK)
        {
            throw GatewayException.Invalid($"top_k must be between 1 and {VectorApi.MaxTopK}", "top_k");
        }

        var passages = await library.SearchAsync(Caller.From(context).Owner, request.Query, topK, request.DocumentIds, request.ScoreThreshold, context.RequestAborted)
            .ConfigureAwait(false);
        return TypedResults.Ok(Envelope.Success(context, new DocumentSearchReply
        {
            Results = [.. passages.Select(p => new DocumentPassageView { DocumentId = p.DocumentId, Title = p.Title, ChunkIndex = p.ChunkIndex, Text = p.Text, Score = p.Score })],
        }, time));
    }

    private static (string Title, string ContentType, string Content, string? Metadata) ReadJson(DocumentCreateRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Content))
        {
            throw GatewayException.Invalid("content is required", "content");
        }

        var type = TextExtractor.Normalize(request.ContentType ?? "text/plain", null)
            ?? throw Unsupported(request.ContentType);
        if (request.Metadata is { ValueKind: not JsonValueKind.Object and not JsonValueKind.Null })
        {
            throw GatewayException.Invalid("metadata must be an object", "metadata");
        }

        return (string.IsNullOrWhiteSpace(request.Title) ? "Untitled" : request.Title.Trim(), type, request.Content,
            request.Metadata is { ValueKind: JsonValueKind.Object } m ? m.GetRawText() : null);
    }

    private static async Task<(string, string, string, string?)> ReadFormAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        var file = form.Files.GetFile("file") ?? throw GatewayException.Invalid("a multipart upload needs a \"file\" field", "file");
        var type = TextExtractor.Normalize(file.ContentType, file.FileName) ?? throw Unsupported(file.ContentType);
        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
        {
            throw GatewayException.Invalid("the file is not UTF-8 text", "file");
        }

        var content = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF');
        if (string.IsNullOrWhiteSpace(content))
        {
            throw GatewayException.Invalid("the file is empty", "file");
        }

        var title = form["title"].ToString() is { Length: > 0 } given ? given.Trim() : Path.GetFileName(file.FileName) is { Length: > 0 } name ? name : "Untitled";
        return (title, type, content, null);
    }

    private static GatewayException Unsupported(string? type) =>
        new(ErrorKind.UnsupportedMediaType, $"content type '{type}' is not supported; use {string.Join(", ", TextExtractor.ContentTypes)}", "content_type");

    private static GatewayException Missing(string id) => new(ErrorKind.NotFound, $"document '{id}' not found", "id");

    private static DocumentView View(DocumentRecord d, bool withContent) => new()
    {
        DocumentId = d.Id,
        Title = d.Title,
        ContentType = d.ContentType,
        Characters = d.Characters,
        Chunks = d.Chunks,
        EmbeddingModel = d.EmbeddingModel,
        Status = d.Status,
        Metadata = d.Metadata is null ? null : JsonSerializer.Deserialize(d.Metadata, SutazJsonContext.Default.JsonElement),
        CreatedAt = d.CreatedAt,
        Content = withContent ? d.Content : null,
    };
}
